package dev.wharf.storage.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wharf.storage.meta.RepositorySearchStore.Filter;
import dev.wharf.testing.OnEachDatabase;
import dev.wharf.testing.PerDatabase;
import dev.wharf.testing.PostgresSchema;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The search SQL against a plain model of its rules, on both databases: a few hundred repositories whose names
 * and descriptions share a small vocabulary (so exact, prefix, name-word and description matches overlap and
 * ties abound), public, private and unset privacy, and every kind of filter (administrator, anonymous, member
 * with grants, restricted images). Every page of every query must be the model's page, with the model's total,
 * whichever tier a page starts or ends in, and past the end. SQLite is also run with walks of the name index
 * too short to find a page, so the sorted fallback of the description tier answers.
 */
class RepositorySearchStoreTest {
    private static final String[] WORDS = {"api", "app", "apex", "web", "db", "cache", "node", "proxy", "post",
            "postgres", "po", "tools", "a", "ab"};
    private static final String[] PROSE = {"api", "apps", "monitoring", "the", "service", "proxy", "minimal",
            "tooling", "webhooks", "build", "a"};
    private static final List<String> QUERIES = List.of("api", "app", "ap", "a", "po", "post", "postgres", "web",
            "ns1", "ns1/", "ns1/api", "ns2/web-3", "web-3", "api app", "api-app", "monitoring", "service",
            "the proxy", "mini", "tooling", "webhooks", "zzz", "-", "/", "ns", "ab", "3", "api/");

    @RegisterExtension
    static final PerDatabase<Fixture> DATABASES = new PerDatabase<>("wharf_search_model_", Fixture::new, f -> f);

    /** A migrated database with the model's repositories, and the model itself. */
    record Fixture(Database database, List<Repo> repos) implements AutoCloseable {
        Fixture(Path dir, String[] flags) {
            this(open(dir, flags), new ArrayList<>());
            Random random = new Random(7);
            long now = System.currentTimeMillis();
            // One transaction for all rows: one commit (and fsync) instead of one per repository.
            List<java.util.function.Consumer<org.jdbi.v3.core.Handle>> rows = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String namespace = "ns" + random.nextInt(12);
                String name = namespace + "/" + WORDS[random.nextInt(WORDS.length)]
                        + (random.nextInt(3) == 0 ? "" : (random.nextBoolean() ? "-" : "_") + WORDS[random.nextInt(WORDS.length)])
                        + (random.nextInt(4) == 0 ? "" : "-" + random.nextInt(6));
                if (i % 40 == 0) name = WORDS[random.nextInt(WORDS.length)] + "-" + i; // a name without namespace
                String unique = name;
                if (repos.stream().anyMatch(r -> r.name().equals(unique))) continue;
                String privacy = List.of("public", "private", "unset").get(random.nextInt(3));
                StringBuilder description = new StringBuilder();
                int length = random.nextInt(4);
                for (int w = 0; w < length; w++) description.append(w == 0 ? "" : " ").append(PROSE[random.nextInt(PROSE.length)]);
                repos.add(new Repo(name, privacy, description.toString()));
                rows.add(h -> {
                    h.execute("INSERT INTO repositories (name, created_at) VALUES (?, ?)", unique, now);
                    if (!privacy.equals("unset")) {
                        h.execute("INSERT INTO repository_settings (repository, is_private, created_by, created_at,"
                                + " updated_at) VALUES (?, ?, NULL, ?, ?)", unique, privacy.equals("private"), now, now);
                    }
                    if (!description.isEmpty()) {
                        h.execute("INSERT INTO repository_details (repository, description, full_description,"
                                + " updated_at) VALUES (?, ?, '', ?)", unique, description.toString(), now);
                    }
                });
            }
            database.jdbi().useTransaction(h -> rows.forEach(row -> row.accept(h)));
        }

        private static Database open(Path dir, String[] flags) {
            if (flags.length == 0) return Database.open("jdbc:sqlite:" + dir.resolve("wharf.db"), null, null, 2, null);
            assumeTrue(PostgresSchema.available(), "PostgreSQL does not answer on " + PostgresSchema.URL);
            return Database.open(flags[1], flags[3], null, 2, flags[5]);
        }

        @Override
        public void close() {
            database.close();
        }
    }

    record Repo(String name, String privacy, String description) {
        String namespace() {
            int slash = name.indexOf('/');
            return slash < 0 ? name : name.substring(0, slash);
        }

        String shortName() {
            return name.substring(name.indexOf('/') + 1);
        }
    }

    @OnEachDatabase
    void everyPageOfEveryQueryIsTheModelsPage(PerDatabase.Kind kind) {
        Fixture fixture = DATABASES.on(kind);
        for (boolean defaultPrivate : List.of(false, true)) {
            RepositorySearchStore store = new RepositorySearchStore(fixture.database(), defaultPrivate);
            for (Map.Entry<String, Filter> filter : filters().entrySet()) {
                // Two at a time (the pool has two connections): the database answers one while the model is checked.
                QUERIES.parallelStream().forEach(query -> {
                    List<String> expected = model(fixture.repos(), query, filter.getValue(), defaultPrivate);
                    for (int[] page : new int[][] {{0, 25}, {0, 1}, {1, 3}, {2, 7}, {5, 4}, {0, 100}, {20, 10},
                            {expected.size(), 5}, {expected.size() + 30, 10}}) {
                        String what = kind + " default_private=" + defaultPrivate + " " + filter.getKey() + " q="
                                + query + " offset=" + page[0] + " limit=" + page[1];
                        List<String> want = expected.subList(Math.min(page[0], expected.size()),
                                Math.min(page[0] + page[1], expected.size()));
                        // Short walks on the pages that start in, cross into or follow the description tier's
                        // fallback (a page at the start, one past the first rows, one deep, one at the end): the
                        // other pages add nothing there that these do not, and each walk costs every query again.
                        boolean walkPage = page[0] == 0 && page[1] == 25 || page[0] == 1 || page[0] == 20
                                || page[0] == expected.size();
                        List<Integer> walks = kind == PerDatabase.Kind.SQLITE && walkPage
                                ? List.of(SqliteSearch.MAX_WALK, 3, 60) : List.of(SqliteSearch.MAX_WALK);
                        for (int walk : walks) {
                            RepositorySearchStore.Result result = store.search(query, filter.getValue(), page[0],
                                    page[1], walk, RepositorySearchStore.MAX_RESULTS);
                            assertThat(result.hits().stream().map(RepositorySearchStore.Hit::name).toList())
                                    .as(what + " walk=" + walk).isEqualTo(want);
                            assertThat(result.total()).as(what + " total").isEqualTo(expected.size());
                        }
                    }
                });
            }
        }
    }

    /**
     * The cap on results (Docker Hub's rule; {@link RepositorySearchStore#MAX_RESULTS} in production, small here so
     * that many queries reach it): the total is min(matches, cap), pages up to the cap are the model's pages, a page
     * across it is cut there and pages past it are empty, whichever tier the cap falls in, on both databases.
     */
    @OnEachDatabase
    void theCapEndsTheTotalAndThePagesAtTheSameRow(PerDatabase.Kind kind) {
        Fixture fixture = DATABASES.on(kind);
        java.util.concurrent.atomic.AtomicInteger capped = new java.util.concurrent.atomic.AtomicInteger();
        for (boolean defaultPrivate : List.of(false, true)) {
            RepositorySearchStore store = new RepositorySearchStore(fixture.database(), defaultPrivate);
            for (Map.Entry<String, Filter> filter : filters().entrySet()) {
                // Two at a time (the pool has two connections): the database answers one while the model is checked.
                QUERIES.parallelStream().forEach(query -> {
                    List<String> all = model(fixture.repos(), query, filter.getValue(), defaultPrivate);
                    for (int cap : new int[] {1, 7, 40}) {
                        if (all.size() > cap) capped.incrementAndGet();
                        List<String> expected = all.subList(0, Math.min(cap, all.size()));
                        // The whole capped list, a page across the cap from either side, one right past it
                        // (the uncapped pages are everyPageOfEveryQueryIsTheModelsPage's).
                        for (int[] page : new int[][] {{0, cap}, {cap - 1, 3}, {cap, 5},
                                {Math.max(0, cap - 3), 100}}) {
                            String what = kind + " default_private=" + defaultPrivate + " " + filter.getKey() + " q="
                                    + query + " cap=" + cap + " offset=" + page[0] + " limit=" + page[1];
                            List<String> want = expected.subList(Math.min(page[0], expected.size()),
                                    Math.min(page[0] + page[1], expected.size()));
                            RepositorySearchStore.Result result = store.search(query, filter.getValue(), page[0],
                                    page[1], SqliteSearch.MAX_WALK, cap);
                            assertThat(result.hits().stream().map(RepositorySearchStore.Hit::name).toList())
                                    .as(what).isEqualTo(want);
                            assertThat(result.total()).as(what + " total").isEqualTo(Math.min(all.size(), cap));
                        }
                    }
                });
            }
        }
        assertThat(capped.get()).as("searches with more matches than their cap").isGreaterThan(100);
    }

    private static Map<String, Filter> filters() {
        Map<String, Filter> filters = new LinkedHashMap<>();
        filters.put("admin", Filter.EVERYTHING);
        filters.put("anonymous", Filter.PUBLIC);
        Filter member = new Filter(false, true, Set.of("ns1", "ns4"), Set.of("ns2/web-3", "ns7/api"));
        filters.put("member", member);
        filters.put("org token", new Filter(false, false, Set.of("ns3"), Set.of("ns5/app")));
        filters.put("restricted anonymous-like", Filter.PUBLIC.within(Set.of("ns2", "ns9")));
        filters.put("restricted member", member.within(Set.of("ns1", "ns2", "ns8")));
        filters.put("nothing", Filter.NOTHING);
        return filters;
    }

    /** The rules, plainly: who sees what, the best rank of each visible repository, then name order. */
    private static List<String> model(List<Repo> repos, String query, Filter filter, boolean defaultPrivate) {
        String q = query.toLowerCase(Locale.ROOT);
        List<String> words = RepositorySearchStore.words(q);
        record Ranked(int rank, String name) {}
        List<Ranked> ranked = new ArrayList<>();
        for (Repo repo : repos) {
            if (!visible(repo, filter, defaultPrivate)) continue;
            int rank;
            if (repo.name().equals(q) || repo.shortName().equals(q)) rank = 0;
            else if (repo.name().startsWith(q) || repo.shortName().startsWith(q)) rank = 1;
            else if (!words.isEmpty() && wordsStart(words, repo.name())) rank = 2;
            else if (!words.isEmpty() && wordsStart(words, repo.description())) rank = 3;
            else continue;
            ranked.add(new Ranked(rank, repo.name()));
        }
        ranked.sort(Comparator.comparingInt(Ranked::rank).thenComparing(Ranked::name));
        return ranked.stream().map(Ranked::name).toList();
    }

    private static boolean visible(Repo repo, Filter filter, boolean defaultPrivate) {
        if (filter.all()) return true;
        boolean isPublic = repo.privacy().equals("public") || (repo.privacy().equals("unset") && !defaultPrivate);
        if (filter.publicRepositories() && isPublic
                && filter.publicOnlyIn().map(in -> in.contains(repo.namespace())).orElse(true)) {
            return true;
        }
        return filter.namespaces().contains(repo.namespace()) || filter.repositories().contains(repo.name());
    }

    /** Every query word starts some word of the text (words: runs of letters and digits). */
    private static boolean wordsStart(List<String> words, String text) {
        List<String> tokens = Stream.of(text.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")).filter(t -> !t.isEmpty())
                .toList();
        return words.stream().allMatch(w -> tokens.stream().anyMatch(t -> t.startsWith(w)));
    }
}
