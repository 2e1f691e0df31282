package dev.wharf.storage.meta;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * Repository search in SQL, ranked: 0 the full name or the name after the namespace equals the query, 1 either
 * starts with it, 2 every word of the query starts a word of the name, 3 every word starts a word of the
 * description; ties in name order. The ranks are tiers read one after the other in name order, each with a limit,
 * until the page is full ({@link SearchTiers}; {@link SqliteSearch} on SQLite's name indexes and FTS5 table with
 * access words, migrations V14 and V22; {@link PostgresSearch} on the table of names, word vectors and access words
 * of migration V19), so a broad query reads about one page of rows plus one count of its matches; only the page's
 * rows are read further. Only repositories the {@link Filter} lets through are counted and returned: the caller's
 * rules decide, this class only applies them.
 *
 * <p>A search answers at most {@link #MAX_RESULTS} repositories: the
 * total is {@code min(matches, MAX_RESULTS)}, and pages run to that end (a page across it is cut there, pages past
 * it are empty). The count then stops after {@code MAX_RESULTS} matches, so a query that matches most repositories
 * costs about as much as one matching {@code MAX_RESULTS}, however many repositories there are.
 */
public final class RepositorySearchStore {
    /** The most results a search counts and pages through. */
    public static final int MAX_RESULTS = 10_000;

    /**
     * Which repositories a search may show: all of them; the public ones (only those in the namespaces of
     * {@code publicOnlyIn} when present); those in {@code namespaces} (the part of the name before the first '/',
     * or the whole name without one); and those named in {@code repositories}.
     */
    public record Filter(boolean all, boolean publicRepositories, Optional<Set<String>> publicOnlyIn,
            Set<String> namespaces, Set<String> repositories) {
        public static final Filter EVERYTHING = new Filter(true, true, Set.of(), Set.of());
        public static final Filter PUBLIC = new Filter(false, true, Set.of(), Set.of());
        public static final Filter NOTHING = new Filter(false, false, Set.of(), Set.of());

        public Filter {
            publicOnlyIn = publicOnlyIn.map(Set::copyOf);
            if (publicOnlyIn.isPresent() && publicOnlyIn.get().isEmpty()) publicRepositories = false;
            namespaces = Set.copyOf(namespaces);
            repositories = Set.copyOf(repositories);
        }

        public Filter(boolean all, boolean publicRepositories, Set<String> namespaces, Set<String> repositories) {
            this(all, publicRepositories, Optional.empty(), namespaces, repositories);
        }

        /** This filter, keeping only repositories of these namespaces (an organization's restricted images). */
        public Filter within(Set<String> allowed) {
            if (all) return this; // administrators are never restricted
            Set<String> ns = new HashSet<>(namespaces);
            ns.retainAll(allowed);
            Set<String> repos = new HashSet<>();
            for (String r : repositories) if (allowed.contains(namespaceOf(r))) repos.add(r);
            Set<String> pub = new HashSet<>(allowed);
            publicOnlyIn.ifPresent(pub::retainAll);
            return new Filter(false, publicRepositories && !pub.isEmpty(), Optional.of(pub), ns, repos);
        }

        boolean empty() {
            return !all && !publicRepositories && namespaces.isEmpty() && repositories.isEmpty();
        }
    }

    /** One result: {@code official} when an administrator marked the namespace official. */
    public record Hit(String name, String description, long pullCount, boolean official) {}

    /** One page of results and how many there are in all. */
    public record Result(long total, List<Hit> hits) {
        public Result {
            hits = List.copyOf(hits);
        }
    }

    /** What a user may pull beyond public repositories: namespaces (own, organization owner or editor) and team grants. */
    public record Grants(Set<String> namespaces, Set<String> repositories) {}

    private final Database database;
    private final boolean defaultPrivate;
    private final boolean sqlite;

    /** @param defaultPrivate whether a repository without a settings row is private (repositories.default_private) */
    public RepositorySearchStore(Database database, boolean defaultPrivate) {
        this.database = database;
        this.defaultPrivate = defaultPrivate;
        this.sqlite = database.dialect() == Database.Dialect.SQLITE;
    }

    /** The organizations a user owns or edits (their repositories are pullable) and repositories a team grants. */
    public Grants pullGrants(long userId) {
        return database.jdbi().withHandle(h -> new Grants(
                Set.copyOf(h.createQuery("""
                        SELECT o.name FROM org_members m JOIN organizations o ON o.id = m.org_id
                        WHERE m.user_id = :user AND m.role IN ('owner', 'editor')""")
                        .bind("user", userId).mapTo(String.class).list()),
                Set.copyOf(h.createQuery("""
                        SELECT p.repository FROM team_members tm
                        JOIN team_repository_permissions p ON p.team_id = tm.team_id
                        WHERE tm.user_id = :user""")
                        .bind("user", userId).mapTo(String.class).list())));
    }

    /**
     * @param query lower-case search text, not blank
     * @param offset results to skip (page × size)
     */
    public Result search(String query, Filter filter, long offset, int limit) {
        return search(query, filter, offset, limit, SqliteSearch.MAX_WALK, MAX_RESULTS);
    }

    /**
     * @param maxWalk SQLite's longest walk of the name index for description matches (see {@link SqliteSearch})
     * @param maxResults the most results counted and paged through ({@link #MAX_RESULTS}; tests make it small)
     */
    Result search(String query, Filter filter, long offset, int limit, int maxWalk, long maxResults) {
        List<String> words = words(query);
        // Names begin with a letter or digit, so a query without one starts no name and holds no word.
        if (filter.empty() || words.isEmpty()) return new Result(0, List.of());
        int take = (int) Math.max(0, Math.min(limit, maxResults - offset)); // pages end at the cap
        return database.jdbi().withHandle(h -> {
            SearchTiers tiers = sqlite
                    ? new SqliteSearch(h, query, words, filter, defaultPrivate, maxWalk, maxResults)
                    : new PostgresSearch(h, query, words, filter, defaultPrivate, maxResults);
            List<String> names = take == 0 ? List.of() : tiers.page(offset, take);
            return new Result(tiers.total(), details(h, names));
        });
    }

    /** Pull counts and official badges of one page's repositories. */
    private List<Hit> details(Handle h, List<String> rows) {
        if (rows.isEmpty()) return List.of();
        Map<String, Object> binds = new HashMap<>();
        String names = list("n", rows, binds);
        Map<String, Long> pulls = new HashMap<>();
        Map<String, String> descriptions = new HashMap<>();
        bind(h.createQuery("SELECT r.name, COALESCE(SUM(m.pull_count), 0) AS pulls,"
                + " (SELECT d.description FROM repository_details d WHERE d.repository = r.name) AS description"
                + " FROM repositories r LEFT JOIN manifests m ON m.repository_id = r.id"
                + " WHERE r.name IN (" + names + ") GROUP BY r.name"), binds)
                .map((rs, ctx) -> new String[] {rs.getString(1), Long.toString(rs.getLong(2)), rs.getString(3)})
                .forEach(r -> {
                    pulls.put(r[0], Long.parseLong(r[1]));
                    descriptions.put(r[0], r[2] == null ? "" : r[2]);
                });
        Set<String> namespaces = new LinkedHashSet<>();
        for (String row : rows) namespaces.add(namespaceOf(row));
        Map<String, Object> nsBinds = new HashMap<>();
        Set<String> official = Set.copyOf(bind(h.createQuery("SELECT namespace FROM namespace_badges WHERE official = "
                + (sqlite ? "1" : "TRUE") + " AND namespace IN (" + list("b", List.copyOf(namespaces), nsBinds) + ")"),
                nsBinds).mapTo(String.class).list());
        List<Hit> hits = new ArrayList<>();
        for (String name : rows) {
            hits.add(new Hit(name, descriptions.getOrDefault(name, ""), pulls.getOrDefault(name, 0L),
                    official.contains(namespaceOf(name))));
        }
        return hits;
    }

    /** ":p0, :p1, …" with the values bound. */
    static String list(String prefix, List<String> values, Map<String, Object> binds) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            binds.put(prefix + i, values.get(i));
            names.add(":" + prefix + i);
        }
        return String.join(", ", names);
    }

    private static Query bind(Query query, Map<String, Object> binds) {
        binds.forEach(query::bind);
        return query;
    }

    /** Letters and digits runs: what both full-text indexes split names and descriptions into. */
    static List<String> words(String query) {
        List<String> words = new ArrayList<>();
        for (String w : query.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!w.isEmpty()) words.add(w); // letters and digits only: nothing the query syntaxes could misread
            if (words.size() == 8) break; // enough to narrow anything down; bounds the query
        }
        return words;
    }

    static String namespaceOf(String repository) {
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }
}
