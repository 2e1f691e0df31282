package dev.wharf.storage.meta;

import dev.wharf.model.Digest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * The image-management reads of {@link SqlMetadataStore}, the same SQL on SQLite and PostgreSQL.
 *
 * <p>An image is a manifest that no index in the same repository lists ({@code index_parents = 0}, kept by the
 * store): the children of a multi-platform index are part of it. Counts, filters and orders are range scans of
 * the V4 indexes that start with (repository_id, index_parents), by last activity or by digest. A listing's count and page are
 * two statements without a shared snapshot (a read transaction would take SQLite's write lock), so a concurrent
 * push can make them disagree by that one image.
 */
final class SqlImages {

    private static final String NOT_A_CHILD = " AND m.index_parents = 0";
    private static final String TAGGED =
            " EXISTS (SELECT 1 FROM tags t WHERE t.repository_id = m.repository_id AND t.manifest_digest = m.digest)";

    private SqlImages() {}

    static Counted<ImageRecord> list(Handle h, ImageQuery q) {
        Optional<Long> repo = SqlRepositories.id(h, q.repository());
        if (repo.isEmpty()) return new Counted<>(0, List.of());
        String where = " FROM manifests m WHERE m.repository_id = :repo" + NOT_A_CHILD
                + switch (q.status()) {
                    case null -> "";
                    case ACTIVE -> " AND m.last_activity_at >= :from";
                    case INACTIVE -> " AND m.last_activity_at < :from";
                }
                + (q.currentlyTagged() == null ? "" : q.currentlyTagged() ? " AND" + TAGGED : " AND NOT" + TAGGED);
        long total = bind(h.createQuery("SELECT COUNT(*)" + where), repo.get(), q).mapTo(Long.class).one();
        if (q.limit() == 0 || q.offset() >= total) return new Counted<>(total, List.of());
        String order = switch (q.order()) {
            case LAST_ACTIVITY -> " ORDER BY m.last_activity_at, m.digest";
            case LAST_ACTIVITY_DESC -> " ORDER BY m.last_activity_at DESC, m.digest DESC";
            case DIGEST -> " ORDER BY m.digest";
            case DIGEST_DESC -> " ORDER BY m.digest DESC";
        };
        List<ImageRecord> bare = bind(h.createQuery("SELECT m.digest, m.media_type, m.pushed_at, m.last_pulled_at,"
                        + " m.last_activity_at" + where + order + " LIMIT :limit OFFSET :offset"), repo.get(), q)
                .bind("limit", q.limit())
                .bind("offset", q.offset())
                .map((rs, ctx) -> new ImageRecord(Digest.parse(rs.getString("digest")), rs.getString("media_type"),
                        Instant.ofEpochMilli(rs.getLong("pushed_at")), nullableInstant(rs.getLong("last_pulled_at"),
                        rs.wasNull()), Instant.ofEpochMilli(rs.getLong("last_activity_at")), List.of()))
                .list();
        Map<String, List<ImageTag>> tags = tagsOf(h, repo.get(), bare.stream().map(i -> i.digest().toString()).toList());
        List<ImageRecord> images = new ArrayList<>(bare.size());
        for (ImageRecord i : bare) {
            images.add(new ImageRecord(i.digest(), i.mediaType(), i.pushedAt(), i.lastPulled(), i.lastActivity(),
                    tags.getOrDefault(i.digest().toString(), List.of())));
        }
        return new Counted<>(total, images);
    }

    private static Query bind(Query query, long repo, ImageQuery q) {
        query.bind("repo", repo);
        if (q.status() != null) query.bind("from", q.activeFrom().toEpochMilli());
        return query;
    }

    /** Current and historical tags of a page of digests: two indexed lookups, whatever the page size. */
    private static Map<String, List<ImageTag>> tagsOf(Handle h, long repo, List<String> digests) {
        Map<String, Set<String>> current = new HashMap<>();
        Map<String, Set<String>> ever = new HashMap<>();
        if (digests.isEmpty()) return Map.of();
        h.createQuery("SELECT manifest_digest AS digest, name AS tag FROM tags"
                        + " WHERE repository_id = :repo AND manifest_digest IN (<digests>)")
                .bind("repo", repo).bindList("digests", digests)
                .map((rs, ctx) -> new String[] {rs.getString("digest"), rs.getString("tag")})
                .forEach(r -> current.computeIfAbsent(r[0], k -> new TreeSet<>()).add(r[1]));
        // Every tag that ever pointed at a digest has a PUSH or MOVE row naming it (see TagEvent).
        h.createQuery("SELECT DISTINCT digest, tag FROM tag_history WHERE repository_id = :repo"
                        + " AND digest IN (<digests>)")
                .bind("repo", repo).bindList("digests", digests)
                .map((rs, ctx) -> new String[] {rs.getString("digest"), rs.getString("tag")})
                .forEach(r -> ever.computeIfAbsent(r[0], k -> new TreeSet<>()).add(r[1]));
        Map<String, List<ImageTag>> out = new HashMap<>();
        for (String digest : digests) {
            Set<String> now = current.getOrDefault(digest, Set.of());
            List<ImageTag> tags = new ArrayList<>();
            now.forEach(t -> tags.add(new ImageTag(t, true)));
            ever.getOrDefault(digest, Set.of()).stream().filter(t -> !now.contains(t))
                    .forEach(t -> tags.add(new ImageTag(t, false)));
            out.put(digest, tags);
        }
        return out;
    }

    static ImageSummary summary(Handle h, String repository, Instant activeFrom) {
        Optional<Long> repo = SqlRepositories.id(h, repository);
        if (repo.isEmpty()) return new ImageSummary(0, 0);
        return h.createQuery("SELECT COUNT(*) AS total,"
                        + " COALESCE(SUM(CASE WHEN m.last_activity_at >= :from THEN 1 ELSE 0 END), 0) AS active"
                        + " FROM manifests m WHERE m.repository_id = :repo" + NOT_A_CHILD)
                .bind("repo", repo.get())
                .bind("from", activeFrom.toEpochMilli())
                .map((rs, ctx) -> new ImageSummary(rs.getLong("total"), rs.getLong("active")))
                .one();
    }

    static Counted<ImageTag> tags(Handle h, String repository, Digest digest, int offset, int limit) {
        if (offset < 0 || limit < 0) throw new IllegalArgumentException("offset and limit must not be negative");
        Optional<Long> repo = SqlRepositories.id(h, repository);
        if (repo.isEmpty()) return new Counted<>(0, List.of());
        String union = " FROM (SELECT name AS tag, 1 AS cur FROM tags"
                + " WHERE repository_id = :repo AND manifest_digest = :digest"
                + " UNION ALL SELECT tag, 0 AS cur FROM tag_history WHERE repository_id = :repo AND digest = :digest)"
                + " x";
        long total = h.createQuery("SELECT COUNT(DISTINCT tag)" + union)
                .bind("repo", repo.get()).bind("digest", digest.toString())
                .mapTo(Long.class).one();
        if (limit == 0 || offset >= total) return new Counted<>(total, List.of());
        List<ImageTag> page = h.createQuery("SELECT tag, MAX(cur) AS cur" + union
                        + " GROUP BY tag ORDER BY cur DESC, tag LIMIT :limit OFFSET :offset")
                .bind("repo", repo.get()).bind("digest", digest.toString())
                .bind("limit", limit).bind("offset", offset)
                .map((rs, ctx) -> new ImageTag(rs.getString("tag"), rs.getInt("cur") == 1))
                .list();
        return new Counted<>(total, page);
    }

    private static Instant nullableInstant(long millis, boolean wasNull) {
        return wasNull ? null : Instant.ofEpochMilli(millis);
    }
}
