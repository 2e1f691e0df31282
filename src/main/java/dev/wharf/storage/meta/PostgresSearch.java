package dev.wharf.storage.meta;

import dev.wharf.storage.meta.RepositorySearchStore.Filter;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.postgresql.PGStatement;

/**
 * The search tiers on PostgreSQL, each a query of {@code repository_search} (migration V19), whose rows hold the
 * names ("C" btrees), word vectors (GIN) and access words (GIN) of each repository, so who may see a row is an
 * array test on the row itself. Each tier asks for its rows in name order with a LIMIT, which lets the planner
 * walk the name btree when matches are dense (a common word stops after a few hundred rows); word tiers whose
 * matches a bitmap count shows to be sparse are collected first and sorted, as the planner cannot tell (it guesses
 * any prefix word at 2 % of the rows). Tiers after the page are never asked. The total is one count of the word
 * matches that stops at the search's cap. Every statement is planned with its values ({@link #ONE_SHOT}).
 */
final class PostgresSearch implements SearchTiers {
    private static final String EXACT = "(s.name = :q OR s.short_name = :q)";
    private static final String PREFIX = "((s.name >= :q AND s.name < :qhi) OR (s.short_name >= :q AND s.short_name < :qhi))";
    private static final String NAME_WORDS = "s.name_words @@ to_tsquery('simple', :words)";
    private static final String DESCRIPTION_WORDS = "s.description_words @@ to_tsquery('simple', :words)";

    private final Handle handle;
    private final Map<String, Object> binds = new HashMap<>();
    private final String visible;
    /**
     * The same rows as {@link #visible} as disjoint parts, each "repository_search s WHERE … AND " ready for a match
     * condition: the public rows, then the granted ones that are not public (or one part, everything).
     */
    private final List<String> visibleParts = new ArrayList<>();
    private final long maxResults;
    /** Visible name-word matches, counted up to maxResults; -1 until counted. */
    private long named = -1;
    private long total = -1;
    private long rows = -1;

    /**
     * @param words the query's words, at least one (see {@link SqliteSearch})
     * @param maxResults where {@link #total} stops counting
     */
    PostgresSearch(Handle handle, String query, List<String> words, Filter filter, boolean defaultPrivate,
            long maxResults) {
        this.handle = handle;
        this.maxResults = maxResults;
        binds.put("q", query);
        binds.put("qhi", query + '\u007f'); // above every character a repository name may hold: a prefix range
        binds.put("words", String.join(" & ", words.stream().map(w -> w + ":*").toList()));
        this.visible = visibility(filter, defaultPrivate, binds, visibleParts);
    }

    @Override
    public Slice slice(int tier, long skip, int take) {
        String sql = tier == 1 ? prefixes() : "SELECT s.name FROM repository_search s WHERE " + where(tier);
        if (tier >= 2 && !dense(tier, skip + take)) {
            // PostgreSQL guesses a prefix word's matches at 2 % of the rows and would walk the whole name btree for
            // a word that matches nothing; matches known to be sparse are collected first (bitmap), then sorted.
            sql = "WITH m AS MATERIALIZED (" + sql + ") SELECT name FROM m";
        }
        return new Slice(bind(handle.createQuery(sql + " ORDER BY name LIMIT :take OFFSET :skip"))
                .bind("take", take).bind("skip", skip).bind("through", skip + take).mapTo(String.class).list(), -1);
    }

    /**
     * Whether a word tier's matches are dense enough that walking the name btree finds {@code wanted} of them
     * within {@link SqliteSearch#MIN_WALK} rows (counted with bitmaps: the name matches, and all word matches;
     * only the plan depends on it, never the rows).
     */
    private boolean dense(int tier, long wanted) {
        if (rows < 0) {
            rows = handle.createQuery("SELECT GREATEST(COALESCE(MAX(id), 0), 1) FROM repository_search")
                    .mapTo(Long.class).one();
        }
        if (named < 0) named = count(NAME_WORDS, maxResults);
        long matches;
        if (tier == 2) {
            matches = named; // at the cap when more match: dense enough for any page within the cap
        } else if (total() < maxResults) {
            matches = total() - named; // both exact below the cap (name matches are word matches)
        } else {
            // More word matches than the cap: count the description-only ones, as far as the answer needs.
            long needed = (wanted * rows + SqliteSearch.MIN_WALK - 1) / SqliteSearch.MIN_WALK;
            matches = count(DESCRIPTION_WORDS + " AND NOT " + NAME_WORDS, needed);
        }
        return matches * SqliteSearch.MIN_WALK >= wanted * rows;
    }

    /**
     * How many visible rows match, counting no further than {@code upTo}: one count per disjoint part of the
     * visibility, each stopping where the counts so far reach {@code upTo}. (With one OR of the parts, a LIMIT made
     * the planner read the table in order and test a member's 61 access words on every row: 50–80 ms for
     * {@code user}, against a few ms for the public part from its index and the granted part from its own.)
     */
    private long count(String match, long upTo) {
        long counted = 0;
        for (String part : visibleParts) {
            if (counted >= upTo) break;
            counted += bind(handle.createQuery("SELECT COUNT(*) FROM (SELECT 1 FROM " + part + match
                    + " LIMIT :up_to) c")).bind("up_to", upTo - counted).mapTo(Long.class).one();
        }
        return counted;
    }

    @Override
    public long size(int tier, long upTo) {
        String rows = tier == 1 ? prefixes() : "SELECT 1 FROM repository_search s WHERE " + where(tier);
        return bind(handle.createQuery("SELECT COUNT(*) FROM (" + rows + " LIMIT :up_to) c"))
                .bind("up_to", upTo).bind("through", upTo).mapTo(Long.class).one();
    }

    /**
     * Word matches only: a name that equals or starts with the query has each query word starting one of its words
     * (names are {@code [a-z0-9._/-]}, their word vector splits them at "/._-"), so the name ranges add nothing.
     */
    @Override
    public long total() {
        if (total < 0) total = count("(" + NAME_WORDS + " OR " + DESCRIPTION_WORDS + ")", maxResults);
        return total;
    }

    /** Tiers 0, 2 and 3: each excludes the better tiers' matches, so a repository is in its best one only. */
    private String where(int tier) {
        return switch (tier) {
            case 0 -> EXACT + visible;
            case 2 -> NAME_WORDS + " AND NOT " + PREFIX + visible;
            case 3 -> DESCRIPTION_WORDS + " AND NOT " + NAME_WORDS + " AND NOT " + PREFIX + visible;
            default -> throw new IllegalArgumentException("tier " + tier);
        };
    }

    /** Tier 1: the full-name range walked in name order, and the range after the namespace, sorted. */
    private String prefixes() {
        String notExact = " AND NOT " + EXACT + visible + " ORDER BY s.name LIMIT :through)";
        return "SELECT name FROM ((SELECT s.name FROM repository_search s WHERE s.name >= :q AND s.name < :qhi"
                + notExact + " UNION (SELECT s.name FROM repository_search s WHERE s.short_name >= :q"
                + " AND s.short_name < :qhi" + notExact + ") p";
    }

    private Query bind(Query query) {
        query.configure(SqlStatements.class, c -> c.setUnusedBindingAllowed(true));
        query.addCustomizer(ONE_SHOT);
        binds.forEach(query::bind);
        return query;
    }

    /**
     * Each statement planned with its own values. The driver prepares a statement on the server after it ran five
     * times on a connection, and PostgreSQL then switches to a generic plan, which cannot see a word's or a name
     * range's selectivity: it ANDed the access index into every tier and sorted all matches (a common word's tier 3
     * went from 0.3 ms to 20–30 ms). Planning each time costs well under a millisecond.
     */
    private static final StatementCustomizer ONE_SHOT = new StatementCustomizer() {
        @Override
        public void beforeExecution(PreparedStatement statement, StatementContext ctx) throws SQLException {
            statement.unwrap(PGStatement.class).setPrepareThreshold(0);
        }
    };

    /**
     * " AND (…)" over the access words, or nothing for a filter that lets everything through; {@code parts} gets
     * the same rows as disjoint parts (see {@link #visibleParts}).
     */
    private static String visibility(Filter filter, boolean defaultPrivate, Map<String, Object> binds,
            List<String> parts) {
        if (filter.all()) {
            parts.add("repository_search s WHERE ");
            return "";
        }
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
        if (any.isEmpty()) any.add("FALSE"); // nothing visible (the store answers such a filter without asking)
        if (filter.publicRepositories()) parts.add("repository_search s WHERE " + any.get(0) + " AND ");
        if (!granted.isEmpty()) {
            parts.add("repository_search s WHERE s.access && CAST(:granted_words AS text[])"
                    + (filter.publicRepositories() ? " AND NOT " + any.get(0) : "") + " AND ");
        }
        if (parts.isEmpty()) parts.add("repository_search s WHERE FALSE AND ");
        return " AND (" + String.join(" OR ", any) + ")";
    }
}
