package dev.wharf.mirror;

import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditWriter;
import dev.wharf.auth.SecretBox;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.NamespaceLock;
import dev.wharf.upstream.Credentials;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/**
 * The mirror tables (migration V18): mirror definitions with sealed upstream secrets, the manifests and tags
 * fetched from upstreams, and which blobs each mirrored repository's manifests list.
 */
public final class MirrorStore {
    /** A cached manifest as the upstream served it. */
    public record CachedManifest(String repository, Digest digest, String mediaType, byte[] content,
            Instant fetchedAt, Instant usedAt, boolean promoted) {}

    /** What a mirrored tag pointed at when it was last checked upstream. */
    public record CachedTag(String repository, String tag, Digest digest, Instant checkedAt, Instant usedAt) {}

    private static final String MIRROR_COLUMNS = "name, upstream_url, username, sealed_secret, revalidate_seconds,"
            + " anonymous_pulls, managed_by, created_at, updated_at, evict_unused_seconds";

    private final Database database;
    private final SecretBox box;

    public MirrorStore(Database database, SecretBox box) {
        this.database = database;
        this.box = box;
    }

    // --- definitions -------------------------------------------------------------------------------------

    public List<Mirror> list() {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT " + MIRROR_COLUMNS + " FROM mirrors ORDER BY name")
                .map((rs, ctx) -> mirror(rs)).list());
    }

    public Optional<Mirror> find(String name) {
        return database.jdbi().withHandle(h -> find(h, name));
    }

    private Optional<Mirror> find(Handle h, String name) {
        return h.createQuery("SELECT " + MIRROR_COLUMNS + " FROM mirrors WHERE name = :name")
                .bind("name", name).map((rs, ctx) -> mirror(rs)).findOne();
    }

    /** Whether a user or organization has this name (namespaces are shared by both). */
    public boolean namespaceTaken(String name) {
        return database.jdbi().withHandle(h -> namespaceTaken(h, name));
    }

    private static boolean namespaceTaken(Handle h, String name) {
        return h.createQuery("SELECT COUNT(*) FROM namespaces WHERE name = :n").bind("n", name).mapTo(Long.class)
                .one() > 0;
    }

    /**
     * Creates or replaces a mirror, with an audit event in the same transaction when {@code audit} is given.
     *
     * @return true when the mirror was created, false when it replaced one
     */
    public boolean put(Mirror m, AuditAction created, AuditAction updated) {
        return database.inWriteTransaction(h -> {
            // A user or organization of this name created at the same moment on another node: one of the two waits
            // for the other's commit, then sees its row (docs/decisions/mirrors-namespaces.md).
            NamespaceLock.lock(h, m.name());
            boolean existed = find(h, m.name()).isPresent();
            if (!existed && namespaceTaken(h, m.name())) throw new NameTaken(m.name());
            String sealed = m.credentials() == null ? null : box.seal(m.credentials().secret(), context(m.name()));
            h.createUpdate("INSERT INTO mirrors (" + MIRROR_COLUMNS + ") VALUES (:name, :url, :user, :secret,"
                            + " :revalidate, :anon, :managed, :created, :updated, :evict) ON CONFLICT (name) DO"
                            + " UPDATE SET upstream_url = :url, username = :user, sealed_secret = :secret,"
                            + " revalidate_seconds = :revalidate, anonymous_pulls = :anon, managed_by = :managed,"
                            + " updated_at = :updated, evict_unused_seconds = :evict")
                    .bind("name", m.name())
                    .bind("url", m.upstream())
                    .bind("user", m.credentials() == null ? null : m.credentials().username())
                    .bind("secret", sealed)
                    .bind("revalidate", m.revalidateAfter().toSeconds())
                    .bind("anon", m.anonymousPulls())
                    .bind("managed", m.managedBy())
                    .bind("created", m.createdAt().toEpochMilli())
                    .bind("updated", m.updatedAt().toEpochMilli())
                    .bind("evict", m.evictUnusedAfter() == null ? null : m.evictUnusedAfter().toSeconds())
                    .execute();
            AuditAction action = existed ? updated : created;
            if (action != null) {
                AuditWriter.write(h, action, m.name(), m.name(), Map.of("upstream", m.upstream(),
                                "revalidate_seconds", String.valueOf(m.revalidateAfter().toSeconds()),
                                "anonymous_pulls", String.valueOf(m.anonymousPulls()),
                                "evict_unused_seconds", m.evictUnusedAfter() == null ? "server default"
                                        : String.valueOf(m.evictUnusedAfter().toSeconds()),
                                "credentials", m.credentials() == null ? "none" : "set"),
                        (existed ? "changed" : "created") + " the mirror " + m.name() + " of " + m.upstream(),
                        m.updatedAt());
            }
            return !existed;
        });
    }

    /** A user or organization has the name a new mirror was to take. */
    public static final class NameTaken extends RuntimeException {
        NameTaken(String name) {
            super(message(name), null, false, false);
        }

        /** What a client that asked for a mirror of this name is told. */
        public static String message(String name) {
            return "a user or organization is named '" + name + "'; a mirror needs a namespace of its own";
        }
    }

    /** Removes a mirror definition (its cached content stays ordinary content for GC); false when absent. */
    public boolean delete(String name, AuditAction action, Instant now) {
        return database.inWriteTransaction(h -> {
            Optional<Mirror> m = find(h, name);
            if (m.isEmpty()) return false;
            h.createUpdate("DELETE FROM mirrors WHERE name = :name").bind("name", name).execute();
            String prefix = name + "/";
            for (String table : List.of("mirror_tags", "mirror_manifests", "mirror_blobs", "mirror_repository_counts")) {
                h.createUpdate("DELETE FROM " + table + " WHERE repository >= :lo AND repository < :hi")
                        .bind("lo", prefix).bind("hi", name + "0").execute(); // '0' sorts right after '/'
            }
            AuditWriter.write(h, action, name, name, Map.of("upstream", m.get().upstream()),
                    "deleted the mirror " + name + " of " + m.get().upstream(), now);
            return true;
        });
    }

    private Mirror mirror(ResultSet rs) throws SQLException {
        String name = rs.getString("name");
        String user = rs.getString("username");
        String sealed = rs.getString("sealed_secret");
        Credentials credentials = user == null || sealed == null ? null
                : new Credentials(user, box.openString(sealed, context(name)));
        long evict = rs.getLong("evict_unused_seconds");
        Duration evictAfter = rs.wasNull() ? null : Duration.ofSeconds(evict);
        return new Mirror(name, rs.getString("upstream_url"), credentials,
                Duration.ofSeconds(rs.getLong("revalidate_seconds")), rs.getBoolean("anonymous_pulls"), evictAfter,
                rs.getString("managed_by"), Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("updated_at")));
    }

    /** Authenticated with the sealed value: a secret copied into another mirror's row does not open. */
    private static String context(String name) {
        return "mirror:" + name;
    }

    // --- cached manifests and tags -------------------------------------------------------------------------

    public Optional<CachedManifest> manifest(String repository, Digest digest) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT repository, digest, media_type, content,"
                        + " fetched_at, used_at, promoted FROM mirror_manifests WHERE repository = :r AND digest = :d")
                .bind("r", repository).bind("d", digest.toString())
                .map((rs, ctx) -> cachedManifest(rs)).findOne());
    }

    /** Manifests of the repository not yet stored as ordinary content. */
    public List<CachedManifest> pending(String repository) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT repository, digest, media_type, content,"
                        + " fetched_at, used_at, promoted FROM mirror_manifests WHERE repository = :r AND promoted = :f")
                .bind("r", repository).bind("f", false)
                .map((rs, ctx) -> cachedManifest(rs)).list());
    }

    /** Stores a fetched manifest (idempotent) and the blobs it lists, in one transaction. */
    public void putManifest(String repository, Digest digest, String mediaType, byte[] content,
            Collection<Digest> blobs, Instant now) {
        database.inWriteTransaction(h -> {
            h.createUpdate("INSERT INTO mirror_manifests (repository, digest, media_type, content, fetched_at, used_at,"
                            + " promoted) VALUES (:r, :d, :t, :c, :now, :now, :f) ON CONFLICT (repository, digest)"
                            + " DO UPDATE SET used_at = :now")
                    .bind("r", repository).bind("d", digest.toString()).bind("t", mediaType).bind("c", content)
                    .bind("now", now.toEpochMilli()).bind("f", false).execute();
            for (Digest blob : blobs) {
                h.createUpdate("INSERT INTO mirror_blobs (repository, digest) VALUES (:r, :d)"
                                + " ON CONFLICT (repository, digest) DO NOTHING")
                        .bind("r", repository).bind("d", blob.toString()).execute();
            }
            return null;
        });
    }

    public void markPromoted(String repository, Digest digest) {
        database.inWriteTransaction(h -> h.createUpdate("UPDATE mirror_manifests SET promoted = :t"
                        + " WHERE repository = :r AND digest = :d")
                .bind("t", true).bind("r", repository).bind("d", digest.toString()).execute());
    }

    /** Whether a fetched manifest of the repository lists the blob (the upstream vouched the repository has it). */
    public boolean listsBlob(String repository, Digest digest) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM mirror_blobs"
                        + " WHERE repository = :r AND digest = :d")
                .bind("r", repository).bind("d", digest.toString()).mapTo(Long.class).one() > 0);
    }

    public Optional<CachedTag> tag(String repository, String tag) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT repository, tag, digest, checked_at, used_at"
                        + " FROM mirror_tags WHERE repository = :r AND tag = :t")
                .bind("r", repository).bind("t", tag).map((rs, ctx) -> cachedTag(rs)).findOne());
    }

    /** Every tag of the repository this mirror has fetched, sorted (its tag list while the upstream fails). */
    public List<String> tags(String repository) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT tag FROM mirror_tags WHERE repository = :r"
                        + " ORDER BY tag")
                .bind("r", repository).mapTo(String.class).list());
    }

    /** Tags of the repository pointing at a digest (to move the ordinary tags when the manifest is promoted). */
    public List<String> tagsOf(String repository, Digest digest) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT tag FROM mirror_tags WHERE repository = :r"
                        + " AND digest = :d ORDER BY tag")
                .bind("r", repository).bind("d", digest.toString()).mapTo(String.class).list());
    }

    /** Records what the tag points at upstream, checked now. */
    public void putTag(String repository, String tag, Digest digest, Instant now) {
        database.inWriteTransaction(h -> h.createUpdate("INSERT INTO mirror_tags (repository, tag, digest,"
                        + " checked_at, used_at) VALUES (:r, :t, :d, :now, :now) ON CONFLICT (repository, tag)"
                        + " DO UPDATE SET digest = :d, checked_at = :now, used_at = :now")
                .bind("r", repository).bind("t", tag).bind("d", digest.toString()).bind("now", now.toEpochMilli())
                .execute());
    }

    public void touchTag(String repository, String tag, Instant now) {
        database.inWriteTransaction(h -> h.createUpdate("UPDATE mirror_tags SET used_at = :now"
                        + " WHERE repository = :r AND tag = :t")
                .bind("r", repository).bind("t", tag).bind("now", now.toEpochMilli()).execute());
    }

    public void touchManifest(String repository, Digest digest, Instant now) {
        database.inWriteTransaction(h -> h.createUpdate("UPDATE mirror_manifests SET used_at = :now"
                        + " WHERE repository = :r AND digest = :d")
                .bind("r", repository).bind("d", digest.toString()).bind("now", now.toEpochMilli()).execute());
    }

    /** What the Hub views and the console show of a mirrored repository. */
    public record RepositoryStats(Optional<Instant> lastRevalidated, long hits, long misses) {}

    /** What a mirror holds: repositories with counts, and their hits and misses. */
    public record MirrorTotals(long repositories, long hits, long misses) {}

    /** The latest upstream check of any tag of the repository and its hit/miss counts, in one statement. */
    public RepositoryStats repositoryStats(String repository) {
        // ORDER BY … LIMIT 1 rather than MAX(): no row (NULL from the subquery) when no tag was ever checked.
        return database.jdbi().withHandle(h -> h.createQuery("SELECT (SELECT checked_at FROM mirror_tags"
                        + " WHERE repository = :r ORDER BY checked_at DESC LIMIT 1) AS checked,"
                        + " (SELECT hits FROM mirror_repository_counts WHERE repository = :r) AS hits,"
                        + " (SELECT misses FROM mirror_repository_counts WHERE repository = :r) AS misses")
                .bind("r", repository)
                .map((rs, ctx) -> {
                    long checked = rs.getLong("checked");
                    Optional<Instant> last = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(checked));
                    return new RepositoryStats(last, rs.getLong("hits"), rs.getLong("misses"));
                }).one());
    }

    /** Sums over the mirror's repositories. */
    public MirrorTotals totals(String mirror) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) AS n, COALESCE(SUM(hits), 0) AS hits,"
                        + " COALESCE(SUM(misses), 0) AS misses FROM mirror_repository_counts"
                        + " WHERE repository >= :lo AND repository < :hi")
                .bind("lo", mirror + "/").bind("hi", mirror + "0") // '0' sorts right after '/'
                .map((rs, ctx) -> new MirrorTotals(rs.getLong("n"), rs.getLong("hits"), rs.getLong("misses")))
                .one());
    }

    /** Adds a node's counts since its last flush (see RepositoryCounts). */
    public void addCounts(String repository, long hits, long misses) {
        database.inWriteTransaction(h -> h.createUpdate("INSERT INTO mirror_repository_counts (repository, hits,"
                        + " misses) VALUES (:r, :h, :m) ON CONFLICT (repository) DO UPDATE SET"
                        + " hits = mirror_repository_counts.hits + :h, misses = mirror_repository_counts.misses + :m")
                .bind("r", repository).bind("h", hits).bind("m", misses).execute());
    }

    /**
     * Tags of the mirror's repositories not pulled since {@code cutoff}; removed from the mirror tables here, with
     * the manifests no remaining tag names.
     */
    public List<CachedTag> evictTags(String mirror, Instant cutoff) {
        String from = mirror + "/";
        String before = mirror + "0"; // '0' sorts right after '/': the range is the mirror's repositories
        return database.inWriteTransaction(h -> {
            String range = "repository >= :lo AND repository < :hi AND used_at < :cutoff";
            List<CachedTag> old = h.createQuery("SELECT repository, tag, digest, checked_at, used_at FROM mirror_tags"
                            + " WHERE " + range).bind("lo", from).bind("hi", before)
                    .bind("cutoff", cutoff.toEpochMilli()).map((rs, ctx) -> cachedTag(rs)).list();
            h.createUpdate("DELETE FROM mirror_tags WHERE " + range).bind("lo", from).bind("hi", before)
                    .bind("cutoff", cutoff.toEpochMilli()).execute();
            // A manifest no remaining tag names and not pulled since the cutoff goes too.
            h.createUpdate("DELETE FROM mirror_manifests WHERE " + range + " AND NOT EXISTS (SELECT 1 FROM"
                            + " mirror_tags t WHERE t.repository = mirror_manifests.repository"
                            + " AND t.digest = mirror_manifests.digest)")
                    .bind("lo", from).bind("hi", before).bind("cutoff", cutoff.toEpochMilli()).execute();
            return old;
        });
    }

    private static CachedManifest cachedManifest(ResultSet rs) throws SQLException {
        return new CachedManifest(rs.getString("repository"), Digest.parse(rs.getString("digest")),
                rs.getString("media_type"), rs.getBytes("content"), Instant.ofEpochMilli(rs.getLong("fetched_at")),
                Instant.ofEpochMilli(rs.getLong("used_at")), rs.getBoolean("promoted"));
    }

    private static CachedTag cachedTag(ResultSet rs) throws SQLException {
        return new CachedTag(rs.getString("repository"), rs.getString("tag"), Digest.parse(rs.getString("digest")),
                Instant.ofEpochMilli(rs.getLong("checked_at")), Instant.ofEpochMilli(rs.getLong("used_at")));
    }
}
