package dev.wharf.storage.meta;

/**
 * A page of a repository's tags as the Hub lists them: only names containing {@code name} (case-sensitive; null:
 * all), in {@code order}, {@code limit} from {@code offset}.
 */
public record TagQuery(String name, Order order, long offset, int limit) {

    /** Docker Hub's {@code ordering} values; ties are broken by name, so pages never overlap. */
    public enum Order {
        NAME("name", "t.name"),
        NAME_DESC("-name", "t.name DESC"),
        LAST_UPDATED("last_updated", "t.updated_at, t.name"),
        LAST_UPDATED_DESC("-last_updated", "t.updated_at DESC, t.name");

        private final String parameter;
        final String sql;

        Order(String parameter, String sql) {
            this.parameter = parameter;
            this.sql = sql;
        }

        /** The {@code ordering} query value that selects this order. */
        public String parameter() {
            return parameter;
        }
    }

    public TagQuery {
        if (order == null) order = Order.NAME;
        if (name != null && name.isEmpty()) name = null;
        if (offset < 0 || limit < 1) throw new IllegalArgumentException("offset >= 0 and limit >= 1 required");
    }
}
