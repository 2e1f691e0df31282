package dev.wharf.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.model.ObjectId;
import dev.wharf.storage.meta.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;

/**
 * The {@code jobs} table: submission, claiming under a lease, progress, completion, retries and cancel.
 *
 * <p>A job is runnable when it is {@code new} or {@code queued} and due, or {@code running} with an expired
 * lease (its worker died: the job resumes elsewhere). Claiming selects one runnable row and updates it only if
 * it is still runnable; on PostgreSQL the select takes the row with {@code FOR UPDATE SKIP LOCKED} so workers
 * on several nodes never wait for each other; on SQLite the write transaction holds the database's single write
 * lock, which makes the select-then-update atomic. Every later write checks {@code claimed_by}, so a worker
 * whose lease was taken over cannot overwrite the new owner's work.
 */
public final class JobStore {
    private static final String COLUMNS = "id, hub, type, caption, state, error, input_json, tasks_json, attempts,"
            + " max_attempts, next_attempt_at, claimed_by, claim_expires_at, cancel_requested, creator_user_id,"
            + " created_at, updated_at, started_at, completed_at";
    private static final String RUNNABLE = "((state IN ('new', 'queued') AND next_attempt_at <= :now)"
            + " OR (state = 'running' AND claim_expires_at < :now))";

    private final Database database;
    private final ObjectMapper json;
    private final Clock clock;

    public JobStore(Database database, ObjectMapper json, Clock clock) {
        this.database = database;
        this.json = json;
        this.clock = clock;
    }

    /** Inserts a new job, runnable at once, inside the caller's transaction (so it commits with its cause). */
    public Job submit(Handle h, String hub, String type, String caption, JsonNode input, int maxAttempts,
            long creatorUserId) {
        String id = ObjectId.random();
        long now = clock.millis();
        h.createUpdate("INSERT INTO jobs (" + COLUMNS + ") VALUES (:id, :hub, :type, :caption, 'new', NULL, :input,"
                        + " :tasks, 0, :max, :now, NULL, NULL, :no, :creator, :now, :now, NULL, NULL)")
                .bind("id", id).bind("hub", hub).bind("type", type).bind("caption", caption)
                .bind("input", write(input)).bind("tasks", "{\"steps\":[],\"output\":{}}")
                .bind("max", maxAttempts).bind("now", now).bind("no", false).bind("creator", creatorUserId)
                .execute();
        return find(h, id).orElseThrow();
    }

    public Job submit(String hub, String type, String caption, JsonNode input, int maxAttempts, long creator) {
        return database.inWriteTransaction(h -> submit(h, hub, type, caption, input, maxAttempts, creator));
    }

    public Optional<Job> find(String id) {
        return database.jdbi().withHandle(h -> find(h, id));
    }

    private Optional<Job> find(Handle h, String id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM jobs WHERE id = :id").bind("id", id)
                .map((rs, ctx) -> row(rs)).findOne();
    }

    /** A hub's jobs, newest first. {@code state} may be null (all states). */
    public List<Job> list(String hub, JobState state, int offset, int limit) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM jobs WHERE hub = :hub"
                        + (state == null ? "" : " AND state = :state")
                        + " ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset")
                .bind("hub", hub).bind("state", state == null ? null : state.wire())
                .bind("limit", limit).bind("offset", offset)
                .map((rs, ctx) -> row(rs)).list());
    }

    /**
     * A filtered page of a hub's jobs ({@code GET /v1/jobs}). Null or empty fields do not filter: {@code states}
     * (wire names), {@code queuedFrom}/{@code queuedUntil} (inclusive bounds on when the job was submitted),
     * {@code searchPattern} (a lower-case {@code LIKE} pattern escaped with {@code !}, matched against the id,
     * type and caption). {@code orderBy} is an SQL order list over {@link #SORT_COLUMNS} values, never request text.
     */
    public record Query(String hub, Set<String> states, Instant queuedFrom, Instant queuedUntil,
            String searchPattern, String orderBy, int limit, long offset) {}

    /** The sort fields {@code GET /v1/jobs} offers and their columns. */
    public static final Map<String, String> SORT_COLUMNS = Map.of("id", "id", "caption", "caption",
            "type", "type", "state", "state", "created", "created_at", "updated", "updated_at");

    public List<Job> page(Query q) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM jobs WHERE hub = :hub");
        if (!q.states().isEmpty()) sql.append(" AND state IN (<states>)");
        if (q.queuedFrom() != null) sql.append(" AND created_at >= :from");
        if (q.queuedUntil() != null) sql.append(" AND created_at <= :until");
        if (q.searchPattern() != null) {
            sql.append(" AND (LOWER(id) LIKE :pattern ESCAPE '!' OR LOWER(type) LIKE :pattern ESCAPE '!'"
                    + " OR LOWER(caption) LIKE :pattern ESCAPE '!')");
        }
        sql.append(" ORDER BY ").append(q.orderBy()).append(" LIMIT :limit OFFSET :offset");
        return database.jdbi().withHandle(h -> {
            var query = h.createQuery(sql.toString()).bind("hub", q.hub()).bind("limit", q.limit())
                    .bind("offset", q.offset());
            if (!q.states().isEmpty()) query.bindList("states", List.copyOf(q.states()));
            if (q.queuedFrom() != null) query.bind("from", q.queuedFrom().toEpochMilli());
            if (q.queuedUntil() != null) query.bind("until", q.queuedUntil().toEpochMilli());
            if (q.searchPattern() != null) query.bind("pattern", q.searchPattern());
            return query.map((rs, ctx) -> row(rs)).list();
        });
    }

    /** A hub's jobs that have not finished (new, queued or running), oldest first. */
    public List<Job> unfinished(String hub) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT " + COLUMNS + " FROM jobs WHERE hub = :hub"
                        + " AND state IN ('new', 'queued', 'running') ORDER BY created_at, id")
                .bind("hub", hub).map((rs, ctx) -> row(rs)).list());
    }

    /** Claims one runnable job of the given types for {@code worker}, or empty when none is due. */
    public Optional<Job> claim(String worker, List<String> types, Duration lease) {
        long now = clock.millis();
        String lock = database.dialect() == Database.Dialect.POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : "";
        return database.inWriteTransaction(h -> {
            Optional<String> id = h.createQuery("SELECT id FROM jobs WHERE " + RUNNABLE + " AND type IN (<types>)"
                            + " ORDER BY next_attempt_at, created_at LIMIT 1" + lock)
                    .bind("now", now).bindList("types", types).mapTo(String.class).findOne();
            if (id.isEmpty()) return Optional.<Job>empty();
            int claimed = h.createUpdate("UPDATE jobs SET state = 'running', claimed_by = :worker,"
                            + " claim_expires_at = :expires, attempts = attempts + 1, error = NULL,"
                            + " started_at = COALESCE(started_at, :now), updated_at = :now WHERE id = :id AND " + RUNNABLE)
                    .bind("worker", worker).bind("expires", now + lease.toMillis()).bind("now", now)
                    .bind("id", id.get()).execute();
            return claimed == 1 ? find(h, id.get()) : Optional.<Job>empty();
        });
    }

    /** Extends the lease; false when the worker no longer owns the job (taken over, or finished elsewhere). */
    public boolean renew(String id, String worker, Duration lease) {
        long now = clock.millis();
        return database.inWriteTransaction(h -> h.createUpdate("UPDATE jobs SET claim_expires_at = :expires"
                        + " WHERE id = :id AND claimed_by = :worker AND state = 'running'")
                .bind("expires", now + lease.toMillis()).bind("id", id).bind("worker", worker).execute()) == 1;
    }

    public boolean cancelRequested(String id) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT cancel_requested FROM jobs WHERE id = :id")
                .bind("id", id).mapTo(Boolean.class).findOne().orElse(true));
    }

    public void saveProgress(String id, String worker, ObjectNode progress) {
        database.inWriteTransaction(h -> h.createUpdate("UPDATE jobs SET tasks_json = :tasks, updated_at = :now"
                        + " WHERE id = :id AND claimed_by = :worker")
                .bind("tasks", write(progress)).bind("now", clock.millis()).bind("id", id).bind("worker", worker)
                .execute());
    }

    public boolean complete(String id, String worker, ObjectNode progress) {
        return finish(id, worker, progress, JobState.COMPLETED, null);
    }

    public boolean fail(String id, String worker, ObjectNode progress, String message) {
        return finish(id, worker, progress, JobState.ERROR, message);
    }

    private boolean finish(String id, String worker, ObjectNode progress, JobState state, String message) {
        long now = clock.millis();
        return database.inWriteTransaction(h -> h.createUpdate("UPDATE jobs SET state = :state, error = :error,"
                        + " tasks_json = :tasks, claimed_by = NULL, claim_expires_at = NULL, completed_at = :now,"
                        + " updated_at = :now WHERE id = :id AND claimed_by = :worker")
                .bind("state", state.wire()).bind("error", message).bind("tasks", write(progress))
                .bind("now", now).bind("id", id).bind("worker", worker).execute()) == 1;
    }

    /** Puts a failed attempt back in the queue, due after {@code delay}; the message stays visible meanwhile. */
    public boolean retryLater(String id, String worker, ObjectNode progress, String message, Duration delay) {
        long now = clock.millis();
        return database.inWriteTransaction(h -> h.createUpdate("UPDATE jobs SET state = 'queued', error = :error,"
                        + " tasks_json = :tasks, claimed_by = NULL, claim_expires_at = NULL, next_attempt_at = :due,"
                        + " updated_at = :now WHERE id = :id AND claimed_by = :worker")
                .bind("error", message).bind("tasks", write(progress)).bind("due", now + delay.toMillis())
                .bind("now", now).bind("id", id).bind("worker", worker).execute()) == 1;
    }

    /** Hands a job back without counting the attempt (graceful stop): another worker may take it at once. */
    public void release(String id, String worker) {
        long now = clock.millis();
        database.inWriteTransaction(h -> h.createUpdate("UPDATE jobs SET state = 'queued', claimed_by = NULL,"
                        + " claim_expires_at = NULL, attempts = attempts - 1, next_attempt_at = :now, updated_at = :now"
                        + " WHERE id = :id AND claimed_by = :worker AND state = 'running'")
                .bind("now", now).bind("id", id).bind("worker", worker).execute());
    }

    /**
     * Cancels a job: one that has not started ends in {@code error} at once; a running one is flagged and its
     * handler stops at its next check. Returns false when the job had already finished.
     */
    public boolean cancel(String id) {
        long now = clock.millis();
        return database.inWriteTransaction(h -> {
            int n = h.createUpdate("UPDATE jobs SET state = 'error', error = 'cancelled', cancel_requested = :yes,"
                            + " completed_at = :now, updated_at = :now WHERE id = :id AND state IN ('new', 'queued')")
                    .bind("yes", true).bind("now", now).bind("id", id).execute();
            if (n == 1) return true;
            return h.createUpdate("UPDATE jobs SET cancel_requested = :yes, updated_at = :now"
                            + " WHERE id = :id AND state = 'running'")
                    .bind("yes", true).bind("now", now).bind("id", id).execute() == 1;
        });
    }

    private Job row(ResultSet rs) throws SQLException {
        return new Job(rs.getString("id"), rs.getString("hub"), rs.getString("type"), rs.getString("caption"),
                JobState.ofWire(rs.getString("state")), rs.getString("error"), read(rs.getString("input_json")),
                (ObjectNode) read(rs.getString("tasks_json")), rs.getInt("attempts"), rs.getInt("max_attempts"),
                instant(rs, "next_attempt_at"), rs.getString("claimed_by"), instant(rs, "claim_expires_at"),
                rs.getBoolean("cancel_requested"), rs.getLong("creator_user_id"), instant(rs, "created_at"),
                instant(rs, "updated_at"), instant(rs, "started_at"), instant(rs, "completed_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    private String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode read(String text) {
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt JSON in the jobs table", e);
        }
    }
}
