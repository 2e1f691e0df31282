package dev.wharf.sources;

import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.SqlText;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One page of {@code GET /v1/images/sources} in one statement: the ACL ({@link Acl#allows} with VIEW), the
 * filters, the sort and the page are all SQL, so the list costs the same whatever the hub holds. The order is
 * the one Java gave when this was done in memory: the sort keys in code-point order, then creation, then id.
 */
final class SourceListQuery {
    /** The {@code sort} fields of the sources list and their columns. */
    private static final Set<String> SORTABLE = Set.of("id", "name", "identifier", "state", "created", "updated");
    private static final Set<String> TEXT_FIELDS = Set.of("id", "name", "identifier", "state");
    private static final Map<String, String> FIELD_COLUMNS = Map.of("id", "id", "name", "name",
            "identifier", "identifier", "state", "state", "created", "created_at", "updated", "updated_at");

    private final Database database;

    SourceListQuery(Database database) {
        this.database = database;
    }

    /**
     * @param identifier only sources with this identifier; null for all
     * @param search lower-cased name, identifier or origin target containing it, or the exact id; null for all
     * @param states only sources in these states; empty for all
     */
    List<ImageSource> page(Caller caller, String identifier, String search, Set<String> states,
            List<ListQuery.Sort> sorts, ListQuery.Page page) {
        Database.Dialect d = database.dialect();
        StringBuilder sql = new StringBuilder("SELECT " + SourceStore.COLUMNS + " FROM image_sources"
                + " WHERE hub = :hub AND state <> 'deleted'");
        if (!caller.isOwner()) sql.append(" AND ").append(aclAllowsView(d, caller.role()));
        if (identifier != null) sql.append(" AND identifier = :identifier");
        if (!states.isEmpty()) sql.append(" AND state IN (<states>)");
        if (search != null) {
            sql.append(" AND (").append(SqlText.contains(d, "LOWER(name)", ":search"))
                    .append(" OR ").append(SqlText.contains(d, "identifier", ":search"))
                    .append(" OR id = :search OR ")
                    .append(SqlText.contains(d, "COALESCE(" + SqlText.jsonText(d, "origin_json", "details", "target")
                            + ", '')", ":search"))
                    .append(")");
        }
        Map<String, String> columns = new java.util.HashMap<>();
        FIELD_COLUMNS.forEach((field, column) -> columns.put(field,
                TEXT_FIELDS.contains(field) ? SqlText.ordered(d, column) : column));
        // Java's stable sort kept the stored order (creation, then id) among equal keys.
        sql.append(" ORDER BY ").append(ListQuery.orderBy(sorts, columns, "created_at",
                sorts.isEmpty() ? SqlText.ordered(d, "id") : "created_at, " + SqlText.ordered(d, "id")));
        sql.append(" LIMIT :limit OFFSET :offset");
        return database.jdbi().withHandle(h -> {
            var query = h.createQuery(sql.toString()).bind("hub", caller.hub()).bind("limit", page.size())
                    .bind("offset", page.offset());
            if (identifier != null) query.bind("identifier", identifier);
            if (!states.isEmpty()) query.bindList("states", List.copyOf(states));
            if (search != null) query.bind("search", search.toLowerCase(Locale.ROOT));
            return query.map((rs, ctx) -> SourceStore.row(rs)).list();
        });
    }

    static Set<String> sortable() {
        return SORTABLE;
    }

    /**
     * {@link Acl#allows} for VIEW as SQL: no ACL, or the role's entry grants view, modify or manage. An unknown
     * role (there is none today) sees nothing under an ACL, as Java's lookup would find no entry.
     */
    private static String aclAllowsView(Database.Dialect d, String role) {
        if (!Acl.ROLES.contains(role)) return "acl_json IS NULL";
        return "(acl_json IS NULL OR " + SqlText.jsonTrue(d, "acl_json", "roles", role, "view")
                + " OR " + SqlText.jsonTrue(d, "acl_json", "roles", role, "modify")
                + " OR " + SqlText.jsonTrue(d, "acl_json", "roles", role, "manage") + ")";
    }
}
