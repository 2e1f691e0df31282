package dev.wharf.app;

import dev.wharf.storage.blob.UploadStateStore;
import dev.wharf.storage.meta.Database;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * S3 upload states in the shared database (table {@code upload_states}, migration V12). Here in the wiring
 * package because it joins the blob store to the metadata database, which otherwise know nothing of each other. {@link #replace} is one conditional
 * UPDATE, atomic on PostgreSQL across every node (and on SQLite within its one process), which turns two nodes'
 * appends at the same offset into one success and one offset error instead of a silently lost append.
 */
public final class SqlUploadStates implements UploadStateStore {
    private final Database database;
    private final Clock clock;

    public SqlUploadStates(Database database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    @Override
    public boolean create(String uploadId, String revision, byte[] state) {
        return database.inWriteTransaction(h -> h.createUpdate("""
                        INSERT INTO upload_states (id, revision, state, written_at)
                        VALUES (:id, :revision, :state, :now) ON CONFLICT (id) DO NOTHING""")
                .bind("id", uploadId)
                .bind("revision", revision)
                .bind("state", new String(state, StandardCharsets.UTF_8))
                .bind("now", clock.millis())
                .execute()) == 1;
    }

    @Override
    public Optional<byte[]> read(String uploadId) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT state FROM upload_states WHERE id = :id")
                .bind("id", uploadId)
                .mapTo(String.class)
                .findOne()
                .map(s -> s.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public boolean replace(String uploadId, String expectedRevision, String newRevision, byte[] state) {
        return database.inWriteTransaction(h -> h.createUpdate("""
                        UPDATE upload_states SET revision = :next, state = :state, written_at = :now
                        WHERE id = :id AND revision = :expected""")
                .bind("id", uploadId)
                .bind("expected", expectedRevision)
                .bind("next", newRevision)
                .bind("state", new String(state, StandardCharsets.UTF_8))
                .bind("now", clock.millis())
                .execute()) == 1;
    }

    @Override
    public void delete(String uploadId) {
        database.inWriteTransaction(h -> h.createUpdate("DELETE FROM upload_states WHERE id = :id")
                .bind("id", uploadId)
                .execute());
    }

    @Override
    public Map<String, Instant> lastWritten() {
        Map<String, Instant> written = new HashMap<>();
        database.jdbi().useHandle(h -> h.createQuery("SELECT id, written_at FROM upload_states")
                .map((rs, ctx) -> Map.entry(rs.getString("id"), Instant.ofEpochMilli(rs.getLong("written_at"))))
                .forEach(e -> written.put(e.getKey(), e.getValue())));
        return written;
    }
}
