package dev.wharf.storage.meta;

import dev.wharf.storage.meta.RepositorySearchStore.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The search SQL on PostgreSQL: one scan of {@code repository_search} (migration V19), whose rows hold the names,
 * word vectors and access words of each repository. Every kind of match is an index condition (name and short
 * name ranges in "C" btrees, words in GIN) the planner ORs into one bitmap, visibility is an array test on the
 * same row (GIN, so it may be ANDed into the bitmap too), and the rank is computed per visible match, so there is
 * no lookup per match and no de-duplication; a top-N sort yields the page.
 */
final class PostgresSearch {
    private PostgresSearch() {}

    /** Rows of (name, rnk, total) for the page; binds :q, :qhi (already bound), :limit and :offset are the caller's. */
    static String sql(List<String> words, Filter filter, boolean defaultPrivate, Map<String, Object> binds) {
        String exact = "s.name = :q OR s.short_name = :q";
        String prefix = "(s.name >= :q AND s.name < :qhi) OR (s.short_name >= :q AND s.short_name < :qhi)";
        String rank = "CASE WHEN " + exact + " THEN 0 WHEN " + prefix + " THEN 1";
        String match = prefix; // an exact match is also in the prefix range
        if (!words.isEmpty()) {
            binds.put("words", String.join(" & ", words.stream().map(w -> w + ":*").toList()));
            String nameWords = "s.name_words @@ to_tsquery('simple', :words)";
            rank += " WHEN " + nameWords + " THEN 2 ELSE 3 END";
            match += " OR " + nameWords + " OR s.description_words @@ to_tsquery('simple', :words)";
        } else {
            rank += " ELSE 1 END";
        }
        return "SELECT s.name, " + rank + " AS rnk, COUNT(*) OVER () AS total FROM repository_search s\n"
                + "WHERE (" + match + ")" + visibility(filter, defaultPrivate, binds) + "\n"
                + "ORDER BY rnk, s.name LIMIT :limit OFFSET :offset";
    }

    /** " AND (…)" over the access words, or nothing for a filter that lets everything through. */
    private static String visibility(Filter filter, boolean defaultPrivate, Map<String, Object> binds) {
        if (filter.all()) return "";
        List<String> any = new ArrayList<>();
        if (filter.publicRepositories()) {
            binds.put("public_words", defaultPrivate ? new String[] {"public"} : new String[] {"public", "unset"});
            String pub = "s.access && CAST(:public_words AS text[])";
            if (filter.publicOnlyIn().isPresent()) {
                binds.put("public_namespaces", filter.publicOnlyIn().get().stream().map(n -> "n:" + n)
                        .toArray(String[]::new));
                pub = "(" + pub + " AND s.access && CAST(:public_namespaces AS text[]))";
            }
            any.add(pub);
        }
        List<String> granted = new ArrayList<>();
        filter.namespaces().forEach(n -> granted.add("n:" + n));
        filter.repositories().forEach(r -> granted.add("r:" + r));
        if (!granted.isEmpty()) {
            binds.put("granted_words", granted.toArray(String[]::new));
            any.add("s.access && CAST(:granted_words AS text[])");
        }
        return " AND (" + String.join(" OR ", any) + ")";
    }
}
