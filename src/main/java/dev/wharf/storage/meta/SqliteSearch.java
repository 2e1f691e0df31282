package dev.wharf.storage.meta;

import dev.wharf.storage.meta.RepositorySearchStore.Filter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatements;

/**
 * The search tiers on SQLite. Name tiers (exact, prefix) read the name indexes: the full-name range in name order,
 * stopping after the page, and the range of names after the namespace (the covering index of migration V22), whose
 * rows are sorted by name before who may see them is checked, row by row up to the page's end. Word tiers read the
 * FTS5 table of migration V14 (prefix indexes since V22), whose access words make the caller's visibility part of
 * the MATCH ({@link #visibleOnly}): tier 2 sorts the visible name
 * matches, tier 3 (description only) walks the name index against the visible description matches when they are
 * dense (a common word stops after a few hundred names instead of sorting thousands) and sorts them when sparse.
 * The total is one FTS5 count of the visible matches that stops at the search's cap, or the sizes tiers 2 and 3
 * counted on the way.
 *
 * <p>A name that equals or starts with the query also has every query word starting one of its words (names are
 * {@code [a-z0-9._/-]}), so tiers 0 and 1 are inside the FTS5 name matches and the word count covers them.
 */
final class SqliteSearch implements SearchTiers {
    /** Names walked at least before tier 3 gives up on walking and sorts its matches instead. */
    static final int MIN_WALK = 5_000;
    /** The walk covers this many names per wanted row, so a density above 1/WALK_PER_ROW is walked. */
    static final int WALK_PER_ROW = 40;
    static final int MAX_WALK = 50_000;

    private static final String SHORT = "substr(r.name, instr(r.name, '/') + 1)";
    /** The same expression without the alias, as migration V22's index spells it. */
    private static final String SHORT_OF_NAME = "substr(name, instr(name, '/') + 1)";
    private static final String EXACT = "(r.name = :q OR " + SHORT + " = :q)";
    private static final String PREFIX = "((r.name >= :q AND r.name < :qhi) OR (" + SHORT + " >= :q AND " + SHORT
            + " < :qhi))";

    private final Handle handle;
    private final Map<String, Object> binds = new HashMap<>();
    private final String visible;
    private final int maxWalk;
    private final long maxResults;
    private long named = -1;
    private long described = -1;

    /**
     * @param words the query's words, at least one: a query without letters or digits starts no name (they begin
     *     with one) and is no word, so it matches nothing and never gets here
     */
    SqliteSearch(Handle handle, String query, List<String> words, Filter filter, boolean defaultPrivate) {
        this(handle, query, words, filter, defaultPrivate, MAX_WALK, RepositorySearchStore.MAX_RESULTS);
    }

    /**
     * @param maxWalk names walked at most in tier 3 (tests make it small to reach the sorted fallback)
     * @param maxResults where {@link #total} stops counting
     */
    SqliteSearch(Handle handle, String query, List<String> words, Filter filter, boolean defaultPrivate,
            int maxWalk, long maxResults) {
        this.handle = handle;
        this.maxWalk = maxWalk;
        this.maxResults = maxResults;
        binds.put("q", query);
        binds.put("qhi", query + '\u007f'); // above every character a repository name may hold: a prefix range
        this.visible = visibility(filter, defaultPrivate, binds);
        String all = String.join(" AND ", words.stream().map(w -> "\"" + w + "\" *").toList());
        binds.put("everything", visibleOnly("(name : (" + all + ") OR description : (" + all + "))", filter,
                defaultPrivate));
        binds.put("named", visibleOnly("name : (" + all + ")", filter, defaultPrivate));
        binds.put("described", visibleOnly("(description : (" + all + ") NOT name : (" + all + "))", filter,
                defaultPrivate));
    }

    @Override
    public Slice slice(int tier, long skip, int take) {
        return switch (tier) {
            case 0 -> new Slice(names("SELECT r.name FROM repositories r WHERE " + EXACT + " AND " + visible
                    + " ORDER BY r.name LIMIT :take OFFSET :skip", skip, take), -1);
            case 1 -> new Slice(names(prefixes() + " LIMIT :take OFFSET :skip", skip, take), -1);
            case 2 -> nameWords(skip, take);
            default -> descriptions(skip, take);
        };
    }

    @Override
    public long size(int tier, long upTo) {
        String rows = switch (tier) {
            case 0 -> "SELECT 1 FROM repositories r WHERE " + EXACT + " AND " + visible;
            case 1 -> prefixes();
            case 2 -> "SELECT 1 FROM repository_search s JOIN repositories r ON r.id = s.rowid"
                    + " WHERE repository_search MATCH :named AND NOT " + PREFIX;
            default -> throw new IllegalStateException("tier 3 counts itself");
        };
        return bind(handle.createQuery("SELECT COUNT(*) FROM (" + rows + " LIMIT :up_to) c"))
                .bind("up_to", upTo).bind("through", upTo).mapTo(Long.class).one();
    }

    /** The sizes tiers 2 and 3 counted when both ran, else one FTS5 count that stops at the cap. */
    @Override
    public long total() {
        if (named >= 0 && described >= 0) return Math.min(named + described, maxResults);
        return bind(handle.createQuery("SELECT COUNT(*) FROM (SELECT 1 FROM repository_search WHERE repository_search"
                + " MATCH :everything LIMIT :max_results)")).bind("max_results", maxResults).mapTo(Long.class).one();
    }

    /**
     * Prefix matches that are not exact, in name order: the walk of the full-name range stops after the page; the
     * range after the namespace is read whole from its covering index and sorted, then checked in name order until
     * the page's end (a UNION, as a name may be in both).
     */
    private String prefixes() {
        String notExact = " AND NOT " + EXACT;
        // The second range is sorted by name from its covering index before anyone's visibility is checked (LIMIT -1
        // keeps SQLite from merging the two levels), so only the rows up to the page's end look up a privacy row.
        return "SELECT name FROM (SELECT * FROM (SELECT r.name FROM repositories r WHERE r.name >= :q AND r.name < :qhi"
                + notExact + " AND " + visible + " ORDER BY r.name LIMIT :through)"
                + " UNION SELECT * FROM (SELECT r.name FROM (SELECT name FROM repositories WHERE " + SHORT_OF_NAME
                + " >= :q AND " + SHORT_OF_NAME + " < :qhi ORDER BY name LIMIT -1) r WHERE 1 = 1" + notExact + " AND "
                + visible + " LIMIT :through)) ORDER BY name";
    }

    /** Tier 2: the visible name matches (FTS5) that are no prefix match, sorted; counts every visible name match. */
    private Slice nameWords(long skip, int take) {
        List<String> names = countedNames(bind(handle.createQuery("WITH n(id) AS MATERIALIZED (SELECT rowid FROM"
                + " repository_search WHERE repository_search MATCH :named)"
                + " SELECT (SELECT COUNT(*) FROM n) AS matches, t.name FROM (SELECT 1) LEFT JOIN"
                + " (SELECT r.name FROM n JOIN repositories r ON r.id = n.id WHERE NOT " + PREFIX
                + " ORDER BY r.name LIMIT :take OFFSET :skip) t ORDER BY t.name"))
                .bind("skip", skip).bind("take", take), matches -> named = matches);
        return new Slice(names, -1); // the tier's own size is not known: n also holds tiers 0 and 1
    }

    /**
     * Tier 3: visible description matches that match no name word, in name order: when they are dense, a bounded
     * walk of the name index against the materialized matches, which stops after the slice; else, or if the walk
     * did not reach the slice's end, a sort of them. (Sorting inside the same statement, guarded by the density,
     * was tried: for a word matching nothing that statement alone took 5.6 ms, the whole search 0.6 ms without it.)
     */
    private Slice descriptions(long skip, int take) {
        long wanted = skip + take;
        long walk = Math.min(maxWalk, Math.max(MIN_WALK, wanted * WALK_PER_ROW));
        List<String> names = countedNames(bind(handle.createQuery("WITH d(id) AS MATERIALIZED (SELECT rowid FROM"
                + " repository_search WHERE repository_search MATCH :described)"
                + " SELECT (SELECT COUNT(*) FROM d) AS matches, t.name FROM (SELECT 1) LEFT JOIN"
                + " (SELECT r.name FROM (SELECT id, name FROM repositories ORDER BY name LIMIT CASE"
                // Walk only when the matches are dense enough to fill the slice within the walk (ids approximate
                // the number of repositories from above); else nothing, and the sort below takes the few matches.
                + " WHEN (SELECT COUNT(*) FROM d) * :walk >= :wanted * (SELECT MAX(id) FROM repositories)"
                + " THEN :walk ELSE 0 END) r WHERE r.id IN d ORDER BY r.name LIMIT :wanted) t ORDER BY t.name"))
                .bind("walk", walk).bind("wanted", wanted), matches -> described = matches);
        // Sparse matches, or a walk too short for a slice deep in dense ones: sort them.
        if (names.size() < wanted && names.size() < described) {
            names.clear();
            bind(handle.createQuery("SELECT r.name FROM repository_search s JOIN repositories r ON r.id = s.rowid"
                    + " WHERE repository_search MATCH :described ORDER BY r.name LIMIT :wanted"))
                    .bind("wanted", wanted).mapTo(String.class).forEach(names::add);
        }
        List<String> slice = names.subList((int) Math.min(skip, names.size()), names.size());
        return new Slice(List.copyOf(slice), described);
    }

    /**
     * The names of a query that also answers its match count in every row ({@code matches}); it LEFT JOINs the
     * names onto one row, so the count arrives even when no name does (that row's name is null).
     */
    private static List<String> countedNames(Query query, LongConsumer matches) {
        List<String> names = new ArrayList<>();
        query.map((rs, ctx) -> {
            matches.accept(rs.getLong("matches"));
            return rs.getString("name");
        }).forEach(name -> {
            if (name != null) names.add(name);
        });
        return names;
    }

    private List<String> names(String sql, long skip, int take) {
        return bind(handle.createQuery(sql)).bind("skip", skip).bind("take", take).bind("through", skip + take)
                .mapTo(String.class).list();
    }

    /** Every value of this search; each statement uses some of them. */
    private Query bind(Query query) {
        query.configure(SqlStatements.class, c -> c.setUnusedBindingAllowed(true));
        binds.forEach(query::bind);
        return query;
    }

    /**
     * The FTS5 expression {@code match} restricted to what the filter lets through, with the access words of
     * migration V14 (the first is exactly one of public, private, unset). The usual filters subtract the hidden
     * rows, {@code match NOT (private NOT granted)}: FTS5 answers an OR of access words (public OR unset OR each
     * grant) by merging their whole posting lists, which cost more than a narrow query's matches, and an OR of two
     * restricted matches would evaluate the match twice; a NOT looks up only the rows that matched.
     */
    static String visibleOnly(String match, Filter filter, boolean defaultPrivate) {
        if (filter.all()) return match;
        List<String> granted = new ArrayList<>();
        for (String namespace : filter.namespaces()) granted.add("\"n" + hex(namespace) + "\"");
        for (String repository : filter.repositories()) granted.add("\"r" + hex(repository) + "\"");
        String grants = "access : (" + String.join(" OR ", granted) + ")";
        if (!filter.publicRepositories()) return "(" + match + ") AND " + grants;
        if (filter.publicOnlyIn().isEmpty()) {
            StringBuilder visible = new StringBuilder("(" + match + ")");
            for (String hidden : defaultPrivate ? List.of("private", "unset") : List.of("private")) {
                visible.append(" NOT (access : \"").append(hidden).append('"')
                        .append(granted.isEmpty() ? "" : " NOT " + grants).append(')');
            }
            return visible.toString();
        }
        // Restricted images: public rows of some namespaces only, or granted ones (rare: an OR is fine here).
        String pub = defaultPrivate ? "(" + match + ") AND access : \"public\""
                : "(" + match + ") NOT access : \"private\"";
        String restricted = "(" + pub + ") AND access : (" + String.join(" OR ",
                filter.publicOnlyIn().get().stream().map(n -> "\"n" + hex(n) + "\"").toList()) + ")";
        return granted.isEmpty() ? restricted : "(" + restricted + ") OR ((" + match + ") AND " + grants + ")";
    }

    private static String hex(String text) {
        return java.util.HexFormat.of().formatHex(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * The filter as a condition on repositories r, for the name tiers: grants by name first (no lookup), the
     * privacy row only for what they do not let through.
     */
    static String visibility(Filter filter, boolean defaultPrivate, Map<String, Object> binds) {
        if (filter.all()) return "1 = 1";
        String namespace = "CASE WHEN instr(r.name, '/') = 0 THEN r.name ELSE substr(r.name, 1, instr(r.name, '/') - 1) END";
        List<String> any = new ArrayList<>();
        if (!filter.repositories().isEmpty()) {
            any.add("r.name IN (" + RepositorySearchStore.list("repo", List.copyOf(filter.repositories()), binds) + ")");
        }
        if (!filter.namespaces().isEmpty()) {
            any.add(namespace + " IN (" + RepositorySearchStore.list("ns", List.copyOf(filter.namespaces()), binds) + ")");
        }
        if (filter.publicRepositories()) {
            binds.put("default_private", defaultPrivate);
            String pub = "NOT COALESCE((SELECT s.is_private FROM repository_settings s WHERE s.repository = r.name),"
                    + " :default_private)";
            any.add(filter.publicOnlyIn().map(in -> "(" + namespace + " IN ("
                    + RepositorySearchStore.list("pns", List.copyOf(in), binds) + ") AND " + pub + ")").orElse(pub));
        }
        return "(" + String.join(" OR ", any) + ")";
    }
}
