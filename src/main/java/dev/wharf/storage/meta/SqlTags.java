package dev.wharf.storage.meta;

import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditWriter;
import dev.wharf.model.Digest;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;

/**
 * Tags of {@link SqlMetadataStore} and the history of every tag: pointing (create or move, refused by the
 * immutable-tags policy), deleting, listing. Every tag event is written to {@code tag_history} and to the audit
 * log in the transaction that changes the tag; manifest writes point and remove tags through this class.
 */
final class SqlTags extends SqlAggregate {

    private static final String TAG_EVENT_COLUMNS =
            "h.id AS id, r.name AS repository, h.tag, h.digest, h.previous_digest, h.action, h.at ";
    private static final String HISTORY_FROM =
            " FROM tag_history h JOIN repositories r ON r.id = h.repository_id WHERE r.name = :repo";

    SqlTags(Database database) {
        super(database);
    }

    /**
     * Creates or moves a tag and records it. On PostgreSQL the tag row is locked before its current digest is
     * read, so concurrent pushes to one tag take turns and each MOVE names the digest it really replaced.
     */
    void point(Handle h, long repositoryId, String tag, Digest digest, Instant now) {
        String target = digest.toString();
        for (int attempt = 0; attempt < RACE_ATTEMPTS; attempt++) {
            int created = h.createUpdate("""
                            INSERT INTO tags (repository_id, name, manifest_digest, updated_at)
                            VALUES (:repo, :tag, :digest, :now)
                            ON CONFLICT (repository_id, name) DO NOTHING""")
                    .bind("repo", repositoryId)
                    .bind("tag", tag)
                    .bind("digest", target)
                    .bind("now", now.toEpochMilli())
                    .execute();
            if (created > 0) {
                appendHistory(h, repositoryId, tag, target, null, TagEvent.Action.PUSH, now);
                return;
            }
            Optional<String> current = currentTarget(h, repositoryId, tag);
            if (current.isEmpty()) continue; // deleted by a concurrent transaction in between: create it
            if (current.get().equals(target)) return;
            if (SqlRepositoryPolicies.immutableTags(h, repositoryId).protects(tag)) {
                throw new ImmutableTagException(tag, Digest.parse(current.get()));
            }
            h.createUpdate("""
                            UPDATE tags SET manifest_digest = :digest, updated_at = :now
                            WHERE repository_id = :repo AND name = :tag""")
                    .bind("repo", repositoryId)
                    .bind("tag", tag)
                    .bind("digest", target)
                    .bind("now", now.toEpochMilli())
                    .execute();
            appendHistory(h, repositoryId, tag, target, current.get(), TagEvent.Action.MOVE, now);
            return;
        }
        throw new IllegalStateException("tag " + tag + " kept changing while being pushed");
    }

    /** The digest a tag points at, locking the tag row on PostgreSQL. */
    private Optional<String> currentTarget(Handle h, long repositoryId, String tag) {
        return h.createQuery(
                        "SELECT manifest_digest FROM tags WHERE repository_id = :repo AND name = :tag" + forUpdate)
                .bind("repo", repositoryId)
                .bind("tag", tag)
                .mapTo(String.class)
                .findOne();
    }

    /** Deletes a tag row that points at {@code digest} and records the deletion (history and audit). */
    static void remove(Handle h, long repositoryId, String tag, String digest, Instant now) {
        h.createUpdate("DELETE FROM tags WHERE repository_id = :repo AND name = :tag")
                .bind("repo", repositoryId)
                .bind("tag", tag)
                .execute();
        appendHistory(h, repositoryId, tag, digest, null, TagEvent.Action.DELETE, now);
    }

    private static void appendHistory(Handle h, long repositoryId, String tag, String digest, String previous,
            TagEvent.Action action, Instant at) {
        auditTag(h, repositoryId, tag, digest, previous, action, at);
        h.createUpdate("""
                        INSERT INTO tag_history (repository_id, tag, digest, previous_digest, action, at)
                        VALUES (:repo, :tag, :digest, :previous, :action, :at)""")
                .bind("repo", repositoryId)
                .bind("tag", tag)
                .bind("digest", digest)
                .bind("previous", previous)
                .bind("action", action.name())
                .bind("at", at.toEpochMilli())
                .execute();
    }

    /** Every tag event is also an audit event of the repository's namespace, in the same transaction. */
    private static void auditTag(Handle h, long repositoryId, String tag, String digest, String previous,
            TagEvent.Action action, Instant at) {
        String repo = h.createQuery("SELECT name FROM repositories WHERE id = :id").bind("id", repositoryId)
                .mapTo(String.class).one();
        Map<String, String> data = new LinkedHashMap<>();
        data.put("tag", tag);
        data.put("digest", digest);
        if (previous != null) data.put("previous_digest", previous);
        switch (action) {
            case PUSH -> AuditWriter.write(h, AuditAction.REPO_TAG_PUSH, AuditWriter.namespaceOf(repo), repo, data,
                    "pushed the tag " + tag + " with the digest " + digest + " to the repository " + repo, at);
            case MOVE -> AuditWriter.write(h, AuditAction.REPO_TAG_MOVE, AuditWriter.namespaceOf(repo), repo, data,
                    "moved the tag " + tag + " from " + previous + " to " + digest + " in the repository " + repo, at);
            case DELETE -> AuditWriter.write(h, AuditAction.REPO_TAG_DELETE, AuditWriter.namespaceOf(repo), repo,
                    data, "deleted the tag " + tag + " (" + digest + ") from the repository " + repo, at);
        }
    }

    boolean deleteTag(String repository, String tag, Instant now) {
        return deleteTag(repository, tag, false, now);
    }

    boolean deleteMutableTag(String repository, String tag, Instant now) {
        return deleteTag(repository, tag, true, now);
    }

    private boolean deleteTag(String repository, String tag, boolean honourPolicy, Instant now) {
        return database.inWriteTransaction(h -> {
            Optional<Long> repositoryId = SqlRepositories.id(h, repository);
            if (repositoryId.isEmpty()) return false;
            Optional<String> current = currentTarget(h, repositoryId.get(), tag); // locks the tag row
            if (current.isEmpty()) return false;
            if (honourPolicy && SqlRepositoryPolicies.immutableTags(h, repositoryId.get()).protects(tag)) {
                throw new ImmutableTagException(tag, Digest.parse(current.get()));
            }
            remove(h, repositoryId.get(), tag, current.get(), now);
            return true;
        });
    }

    List<String> listTags(String repository, String after, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT t.name FROM tags t JOIN repositories r ON r.id = t.repository_id
                        WHERE r.name = :repo AND t.name > :after
                        ORDER BY t.name LIMIT :limit""")
                .bind("repo", repository)
                .bind("after", after == null ? "" : after) // "" sorts before every tag
                .bind("limit", limit)
                .mapTo(String.class)
                .list());
    }

    List<String> tagsOf(String repository, Digest digest) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT t.name FROM tags t JOIN repositories r ON r.id = t.repository_id
                        WHERE r.name = :repo AND t.manifest_digest = :digest
                        ORDER BY t.name""")
                .bind("repo", repository)
                .bind("digest", digest.toString())
                .mapTo(String.class)
                .list());
    }

    // History is ordered by id, which is the order the events were written in (see point). Timestamps come
    // from callers' clocks, so two racing pushes can carry timestamps in the opposite order; the id never lies.

    List<TagEvent> tagHistory(String repository, String tag) {
        String sql = "SELECT " + TAG_EVENT_COLUMNS + HISTORY_FROM
                + (tag == null ? "" : " AND h.tag = :tag")
                + " ORDER BY h.id";
        return jdbi.withHandle(h -> {
            Query query = h.createQuery(sql).bind("repo", repository);
            if (tag != null) query.bind("tag", tag);
            return query.map(MetadataRows::tagEvent).list();
        });
    }

    List<TagEvent> tagHistoryOf(String repository, Digest digest) {
        // Two branches rather than "digest = x OR previous_digest = x": each is a range scan of its own index,
        // where the OR made PostgreSQL scan the whole history table.
        String sql = "SELECT " + TAG_EVENT_COLUMNS + HISTORY_FROM + " AND h.digest = :digest"
                + " UNION ALL"
                + " SELECT " + TAG_EVENT_COLUMNS + HISTORY_FROM + " AND h.previous_digest = :digest"
                + " AND h.digest <> :digest"
                + " ORDER BY id";
        return jdbi.withHandle(h -> h.createQuery(sql)
                .bind("repo", repository)
                .bind("digest", digest.toString())
                .map(MetadataRows::tagEvent)
                .list());
    }
}
