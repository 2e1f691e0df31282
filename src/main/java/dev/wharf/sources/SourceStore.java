package dev.wharf.sources;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.storage.meta.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The {@code image_sources} table. Deleted sources stay as rows (state {@code deleted}) but are never listed. */
final class SourceStore {
    static final String COLUMNS = "id, hub, name, identifier, type, origin_json, origin_secrets,"
            + " builder_json, about_json, acl_json, creator_user_id, state, state_changed, state_error, created_at,"
            + " updated_at, deleted_at";

    private final Database database;

    SourceStore(Database database) {
        this.database = database;
    }

    Database database() {
        return database;
    }

    void insert(ImageSource s) {
        database.inWriteTransaction(h -> h.createUpdate("INSERT INTO image_sources (" + COLUMNS + ") VALUES (:id,"
                        + " :hub, :name, :identifier, :type, :origin, :secrets, :builder, :about, :acl, :creator,"
                        + " :state, :changed, :error, :created, :updated, NULL)")
                .bindMap(params(s)).execute());
    }

    /** Rewrites the mutable columns of a source (name, identifier, origin, builder, about, acl, state). */
    void update(Handle h, ImageSource s) {
        h.createUpdate("UPDATE image_sources SET name = :name, identifier = :identifier, origin_json = :origin,"
                        + " origin_secrets = :secrets, builder_json = :builder, about_json = :about, acl_json = :acl,"
                        + " state = :state, state_changed = :changed, state_error = :error, updated_at = :updated,"
                        + " deleted_at = :deleted WHERE id = :id")
                .bindMap(params(s)).bind("deleted", s.deletedAt() == null ? null : s.deletedAt().toEpochMilli())
                .execute();
    }

    Optional<ImageSource> find(String hub, String id) {
        return database.jdbi().withHandle(h -> find(h, hub, id));
    }

    Optional<ImageSource> find(Handle h, String hub, String id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM image_sources WHERE id = :id AND hub = :hub"
                        + " AND state <> 'deleted'")
                .bind("id", id).bind("hub", hub).map((rs, ctx) -> row(rs)).findOne();
    }

    /** Every visible source of a hub, oldest first; the caller filters by ACL, then sorts and pages. */
    List<ImageSource> list(String hub) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM image_sources"
                        + " WHERE hub = :hub AND state <> 'deleted' ORDER BY created_at, id")
                .bind("hub", hub).map((rs, ctx) -> row(rs)).list());
    }

    /** Images per state for each of the sources (Cycle's images_count meta). */
    Map<String, Map<String, Long>> imageCounts(List<String> sourceIds) {
        if (sourceIds.isEmpty()) return Map.of();
        return database.jdbi().withHandle(h -> {
            Map<String, Map<String, Long>> out = new LinkedHashMap<>();
            h.createQuery("SELECT source_id, state, COUNT(*) AS n FROM images WHERE source_id IN (<ids>)"
                            + " GROUP BY source_id, state")
                    .bindList("ids", sourceIds)
                    .map((rs, ctx) -> {
                        out.computeIfAbsent(rs.getString("source_id"), k -> new LinkedHashMap<>())
                                .put(rs.getString("state"), rs.getLong("n"));
                        return null;
                    }).list();
            return out;
        });
    }

    private static Map<String, Object> params(ImageSource s) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", s.id());
        p.put("hub", s.hub());
        p.put("name", s.name());
        p.put("identifier", s.identifier());
        p.put("type", s.type());
        p.put("origin", Json.write(s.origin()));
        p.put("secrets", s.sealedSecrets());
        p.put("builder", Json.write(s.builder()));
        p.put("about", Json.write(s.about()));
        p.put("acl", Json.write(s.acl()));
        p.put("creator", s.creatorUserId());
        p.put("state", s.state());
        p.put("changed", s.stateChanged().toEpochMilli());
        p.put("error", s.stateError());
        p.put("created", s.createdAt().toEpochMilli());
        p.put("updated", s.updatedAt().toEpochMilli());
        return p;
    }

    static ImageSource row(ResultSet rs) throws SQLException {
        long deleted = rs.getLong("deleted_at");
        Instant deletedAt = rs.wasNull() ? null : Instant.ofEpochMilli(deleted);
        return new ImageSource(rs.getString("id"), rs.getString("hub"), rs.getString("name"),
                rs.getString("identifier"), rs.getString("type"), (ObjectNode) Json.read(rs.getString("origin_json")),
                rs.getString("origin_secrets"), Json.read(rs.getString("builder_json")),
                Json.read(rs.getString("about_json")), Json.read(rs.getString("acl_json")),
                rs.getLong("creator_user_id"), rs.getString("state"), Instant.ofEpochMilli(rs.getLong("state_changed")),
                rs.getString("state_error"), Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("updated_at")), deletedAt);
    }
}
