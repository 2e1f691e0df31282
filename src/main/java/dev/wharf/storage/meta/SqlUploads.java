package dev.wharf.storage.meta;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Upload sessions of {@link SqlMetadataStore}: one row per blob upload in progress, keyed by its id. */
final class SqlUploads extends SqlAggregate {

    SqlUploads(Database database) {
        super(database);
    }

    void create(UploadSession session) {
        database.inWriteTransaction(h -> h.createUpdate("""
                        INSERT INTO uploads (id, repository, started_at, last_activity)
                        VALUES (:id, :repo, :started, :activity)""")
                .bind("id", session.id())
                .bind("repo", session.repository())
                .bind("started", session.startedAt().toEpochMilli())
                .bind("activity", session.lastActivity().toEpochMilli())
                .execute());
    }

    Optional<UploadSession> find(String uploadId) {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT id, repository, started_at, last_activity FROM uploads WHERE id = :id")
                .bind("id", uploadId)
                .map(MetadataRows::uploadSession)
                .findOne());
    }

    void touch(String uploadId, Instant now) {
        database.inWriteTransaction(h -> h.createUpdate("UPDATE uploads SET last_activity = :now WHERE id = :id")
                .bind("id", uploadId)
                .bind("now", now.toEpochMilli())
                .execute());
    }

    void delete(String uploadId) {
        database.inWriteTransaction(h -> h.createUpdate("DELETE FROM uploads WHERE id = :id")
                .bind("id", uploadId)
                .execute());
    }

    List<UploadSession> idleSince(Instant cutoff) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT id, repository, started_at, last_activity FROM uploads
                        WHERE last_activity < :cutoff ORDER BY last_activity, id""")
                .bind("cutoff", cutoff.toEpochMilli())
                .map(MetadataRows::uploadSession)
                .list());
    }
}
