package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.storage.meta.Database;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The {@code images} table: one row per image created from a source, with its import state and result. */
final class ImageStore {
    record Image(String id, String hub, String sourceId, String name, String repository, String tag, String digest,
            long size, long creatorUserId, String state, Instant stateChanged, String stateError, Instant createdAt,
            Instant updatedAt, Instant deletedAt, JsonNode build, JsonNode override) {}

    private static final String COLUMNS = "id, hub, source_id, name, repository, tag, digest, size, creator_user_id,"
            + " state, state_changed, state_error, created_at, updated_at, deleted_at, build_json, override_json";
    /** The same columns of {@code images i}, for queries that join the image's source. */
    private static final String I_COLUMNS = Arrays.stream(COLUMNS.split(", ")).map(c -> "i." + c)
            .collect(Collectors.joining(", "));
    /** The {@code sort} fields of {@code GET /v1/images} and their columns. */
    static final Map<String, String> SORT_COLUMNS = Map.of("id", "i.id", "name", "i.name", "size", "i.size",
            "state", "i.state", "created", "i.created_at", "updated", "i.updated_at");
    static final String DEFAULT_ORDER = "i.created_at";
    static final String TIE_BREAK = "i.id";

    /**
     * One page of {@code GET /v1/images}. {@code visibleSourceIds} are the sources whose ACL lets the caller see
     * them (images follow their source); the other filters are optional (null or empty: no filter).
     * {@code orderBy} is built by {@link ListQuery#orderBy} from {@link #SORT_COLUMNS}.
     */
    record Query(String hub, Collection<String> visibleSourceIds, String sourceId, String identifier,
            String sourceType, Set<String> states, String search, String orderBy, ListQuery.Page page) {}
    private final Database database;

    ImageStore(Database database) {
        this.database = database;
    }

    void insert(Image i) {
        database.inWriteTransaction(h -> h.createUpdate("INSERT INTO images (" + COLUMNS + ") VALUES (:id, :hub,"
                        + " :source, :name, :repository, :tag, NULL, 0, :creator, 'new', :now, NULL, :now, :now, NULL, :build,"
                        + " :override)")
                .bind("id", i.id()).bind("hub", i.hub()).bind("source", i.sourceId()).bind("name", i.name())
                .bind("repository", i.repository()).bind("tag", i.tag()).bind("creator", i.creatorUserId())
                .bind("now", i.createdAt().toEpochMilli()).bind("build", Json.write(i.build()))
                .bind("override", Json.write(i.override())).execute());
    }

    Optional<Image> find(String hub, String id) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM images WHERE id = :id"
                        + " AND hub = :hub AND state <> 'deleted'")
                .bind("id", id).bind("hub", hub).map((rs, ctx) -> row(rs)).findOne());
    }

    List<Image> list(String hub) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM images WHERE hub = :hub"
                        + " AND state <> 'deleted' ORDER BY created_at, id")
                .bind("hub", hub).map((rs, ctx) -> row(rs)).list());
    }

    /** The page of images {@code q} describes, filtered, ordered and paged by the database. */
    List<Image> page(Query q) {
        if (q.visibleSourceIds().isEmpty()) return List.of();
        StringBuilder sql = new StringBuilder("SELECT " + I_COLUMNS + " FROM images i JOIN image_sources s"
                + " ON s.id = i.source_id WHERE i.hub = :hub AND i.state <> 'deleted' AND i.source_id IN (<visible>)");
        if (q.sourceId() != null) sql.append(" AND i.source_id = :sourceId");
        if (q.identifier() != null) sql.append(" AND s.identifier = :identifier");
        if (q.sourceType() != null) sql.append(" AND s.type = :sourceType");
        if (!q.states().isEmpty()) sql.append(" AND i.state IN (<states>)");
        if (q.search() != null) {
            sql.append(" AND (i.id = :exact OR LOWER(i.name) LIKE :pattern ESCAPE '!'"
                    + " OR LOWER(i.repository) LIKE :pattern ESCAPE '!'"
                    + " OR LOWER(COALESCE(i.tag, '')) LIKE :pattern ESCAPE '!'"
                    + " OR COALESCE(i.digest, '') LIKE :pattern ESCAPE '!')");
        }
        sql.append(" ORDER BY ").append(q.orderBy()).append(" LIMIT :limit OFFSET :offset");
        return database.jdbi().withHandle(h -> {
            var query = h.createQuery(sql.toString()).bind("hub", q.hub())
                    .bindList("visible", List.copyOf(q.visibleSourceIds())).bind("limit", q.page().size())
                    .bind("offset", q.page().offset());
            if (q.sourceId() != null) query.bind("sourceId", q.sourceId());
            if (q.identifier() != null) query.bind("identifier", q.identifier());
            if (q.sourceType() != null) query.bind("sourceType", q.sourceType());
            if (!q.states().isEmpty()) query.bindList("states", List.copyOf(q.states()));
            if (q.search() != null) {
                query.bind("exact", q.search()).bind("pattern", ListQuery.containsPattern(q.search()));
            }
            return query.map((rs, ctx) -> row(rs)).list();
        });
    }

    /** An import's state change; an image being deleted keeps its state, so a late import cannot revive it. */
    void state(String id, String state, String error, long now) {
        database.inWriteTransaction(h -> h.createUpdate("UPDATE images SET state = :state, state_error = :error,"
                        + " state_changed = :now, updated_at = :now WHERE id = :id"
                        + " AND state NOT IN ('deleting', 'deleted')")
                .bind("state", state).bind("error", error).bind("now", now).bind("id", id).execute());
    }

    /**
     * An import or build failed for good. Cycle's ImageState has no error value, so the image goes back to
     * {@code new} (never imported) or stays {@code live} (an earlier import still stands), with the reason in
     * {@code state.error}. An image being deleted keeps its state.
     */
    void failed(String id, String message, long now) {
        database.inWriteTransaction(h -> h.createUpdate("UPDATE images SET state = CASE WHEN digest IS NULL THEN 'new'"
                        + " ELSE 'live' END, state_error = :error, state_changed = :now, updated_at = :now WHERE id = :id"
                        + " AND state NOT IN ('deleting', 'deleted')")
                .bind("error", message).bind("now", now).bind("id", id).execute());
    }

    /** The import finished: {@code tag} of the image's repository now names {@code digest}. */
    void imported(String id, String tag, String digest, long size, long now) {
        // An image deleted meanwhile stays deleting/deleted (a late import cannot revive it), but records what the
        // import wrote, so a delete job still to run removes that tag.
        database.inWriteTransaction(h -> h.createUpdate("UPDATE images SET state = CASE WHEN state IN ('deleting',"
                        + " 'deleted') THEN state ELSE 'live' END, state_error = NULL,"
                        + " tag = :tag, digest = :digest, size = :size, state_changed = :now, updated_at = :now"
                        + " WHERE id = :id")
                .bind("tag", tag).bind("digest", digest).bind("size", size).bind("now", now).bind("id", id)
                .execute());
    }

    void deleting(String id, long now) {
        database.inWriteTransaction(h -> h.createUpdate("UPDATE images SET state = 'deleting', state_error = NULL,"
                        + " state_changed = :now, updated_at = :now WHERE id = :id AND state <> 'deleted'")
                .bind("now", now).bind("id", id).execute());
    }

    void rename(String id, String name, long now) {
        database.inWriteTransaction(h -> h.createUpdate("UPDATE images SET name = :name, updated_at = :now"
                        + " WHERE id = :id").bind("name", name).bind("now", now).bind("id", id).execute());
    }

    /** Marks the image {@code deleted}; it disappears from lists and lookups. */
    void deleted(String id, long now) {
        database.inWriteTransaction(h -> h.createUpdate("UPDATE images SET state = 'deleted', state_error = NULL,"
                        + " state_changed = :now, updated_at = :now, deleted_at = :now WHERE id = :id")
                .bind("now", now).bind("id", id).execute());
    }

    /** Whether another image that is not deleted was imported to the same repository, tag and digest. */
    boolean sharedByAnother(Image i) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM images WHERE id <> :id"
                        + " AND repository = :repository AND tag = :tag AND digest = :digest AND state <> 'deleted'")
                .bind("id", i.id()).bind("repository", i.repository()).bind("tag", i.tag())
                .bind("digest", i.digest()).mapTo(Long.class).one()) > 0;
    }

    private static Image row(java.sql.ResultSet rs) throws java.sql.SQLException {
        long deleted = rs.getLong("deleted_at");
        Instant deletedAt = rs.wasNull() ? null : Instant.ofEpochMilli(deleted);
        return new Image(rs.getString("id"), rs.getString("hub"), rs.getString("source_id"), rs.getString("name"),
                rs.getString("repository"), rs.getString("tag"), rs.getString("digest"), rs.getLong("size"),
                rs.getLong("creator_user_id"), rs.getString("state"), Instant.ofEpochMilli(rs.getLong("state_changed")),
                rs.getString("state_error"), Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("updated_at")), deletedAt,
                Json.read(rs.getString("build_json")), Json.read(rs.getString("override_json")));
    }
}
