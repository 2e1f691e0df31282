package dev.wharf.sources;

import dev.wharf.model.ObjectId;
import dev.wharf.storage.meta.Database;
import java.time.Instant;
import java.util.Optional;

/** The {@code image_build_logs} table: the log of each image's latest build, replaced as the build goes on. */
final class BuildLogStore {
    record Entry(String id, String hub, String imageId, String log, Instant created, Instant updated) {}

    private final Database database;

    BuildLogStore(Database database) {
        this.database = database;
    }

    /** Writes the whole log so far; the first write of an image creates its row, later ones replace the text. */
    void save(String hub, String imageId, String log, long now) {
        database.inWriteTransaction(h -> h.createUpdate("INSERT INTO image_build_logs (id, hub, image_id, log,"
                        + " created_at, updated_at) VALUES (:id, :hub, :image, :log, :now, :now)"
                        + " ON CONFLICT (image_id) DO UPDATE SET log = excluded.log, updated_at = excluded.updated_at")
                .bind("id", ObjectId.random()).bind("hub", hub).bind("image", imageId).bind("log", log)
                .bind("now", now).execute());
    }

    Optional<Entry> find(String hub, String imageId) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT id, hub, image_id, log, created_at, updated_at"
                        + " FROM image_build_logs WHERE hub = :hub AND image_id = :image")
                .bind("hub", hub).bind("image", imageId)
                .map((rs, ctx) -> new Entry(rs.getString("id"), rs.getString("hub"), rs.getString("image_id"),
                        rs.getString("log"), Instant.ofEpochMilli(rs.getLong("created_at")),
                        Instant.ofEpochMilli(rs.getLong("updated_at"))))
                .findOne());
    }
}
