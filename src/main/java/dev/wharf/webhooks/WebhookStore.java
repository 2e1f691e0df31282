package dev.wharf.webhooks;

import dev.wharf.storage.meta.Database;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** The {@code webhooks}, {@code webhook_deliveries} and {@code webhook_attempts} tables (migration V13). */
public final class WebhookStore {
    private static final String HOOK_COLUMNS =
            "id, namespace, repository, pipeline, name, url, events, creator, created_at, updated_at";
    private static final String DELIVERY_COLUMNS =
            "id, webhook_id, event, payload, state, attempts, created_at, updated_at";

    private final Database database;

    public WebhookStore(Database database) {
        this.database = database;
    }

    public Database database() {
        return database;
    }

    /** Inserts one hook of a pipeline; the caller's transaction makes a pipeline's hooks appear together. */
    long insert(Handle h, Webhook hook, String sealedSecret) {
        return h.createUpdate("INSERT INTO webhooks (namespace, repository, pipeline, name, url, secret_sealed,"
                        + " events, creator, created_at, updated_at) VALUES (:namespace, :repository, :pipeline,"
                        + " :name, :url, :secret, :events, :creator, :now, :now)")
                .bind("namespace", hook.namespace()).bind("repository", hook.repository())
                .bind("pipeline", hook.pipeline()).bind("name", hook.name()).bind("url", hook.url())
                .bind("secret", sealedSecret).bind("events", eventsText(hook.events()))
                .bind("creator", hook.creator()).bind("now", hook.createdAt().toEpochMilli())
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    /** The hooks of one scope (a repository, or a namespace's own hooks when {@code repository} is empty). */
    public List<Webhook> list(String namespace, String repository) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT " + HOOK_COLUMNS + " FROM webhooks"
                        + " WHERE namespace = :namespace AND repository = :repository ORDER BY pipeline, id")
                .bind("namespace", namespace).bind("repository", repository)
                .map((rs, ctx) -> hook(rs)).list());
    }

    public boolean pipelineExists(Handle h, String namespace, String repository, String pipeline) {
        return h.createQuery("SELECT COUNT(*) FROM webhooks WHERE namespace = :namespace AND repository = :repository"
                        + " AND pipeline = :pipeline")
                .bind("namespace", namespace).bind("repository", repository).bind("pipeline", pipeline)
                .mapTo(Long.class).one() > 0;
    }

    /** Deletes a pipeline's hooks (their deliveries and attempts go with them); false when there were none. */
    public boolean deletePipeline(String namespace, String repository, String pipeline) {
        return database.inWriteTransaction(h -> {
            List<Long> ids = h.createQuery("SELECT id FROM webhooks WHERE namespace = :namespace"
                            + " AND repository = :repository AND pipeline = :pipeline")
                    .bind("namespace", namespace).bind("repository", repository).bind("pipeline", pipeline)
                    .mapTo(Long.class).list();
            if (ids.isEmpty()) return false;
            // Explicit rather than relying on ON DELETE CASCADE alone, so both dialects delete the same rows.
            h.createUpdate("DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries"
                    + " WHERE webhook_id IN (<ids>))").bindList("ids", ids).execute();
            h.createUpdate("DELETE FROM webhook_deliveries WHERE webhook_id IN (<ids>)").bindList("ids", ids).execute();
            h.createUpdate("DELETE FROM webhooks WHERE id IN (<ids>)").bindList("ids", ids).execute();
            return true;
        });
    }

    /**
     * The hooks an event of {@code repository} goes to: the repository's own and its namespace's, read inside the
     * transaction that records the event.
     */
    List<Webhook> subscribers(Handle h, String namespace, String repository) {
        return h.createQuery("SELECT " + HOOK_COLUMNS + " FROM webhooks WHERE namespace = :namespace"
                        + " AND repository IN (:repository, '') ORDER BY id")
                .bind("namespace", namespace).bind("repository", repository)
                .map((rs, ctx) -> hook(rs)).list();
    }

    Optional<Webhook> hook(long id) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT " + HOOK_COLUMNS + " FROM webhooks WHERE id = :id")
                .bind("id", id).map((rs, ctx) -> hook(rs)).findOne());
    }

    Optional<String> sealedSecret(long id) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT secret_sealed FROM webhooks WHERE id = :id")
                .bind("id", id).mapTo(String.class).findOne());
    }

    void insertDelivery(Handle h, String id, long webhookId, WebhookEvent event, String payload, String jobId,
            Instant now) {
        h.createUpdate("INSERT INTO webhook_deliveries (" + DELIVERY_COLUMNS + ", job_id) VALUES (:id, :hook, :event,"
                        + " :payload, 'pending', 0, :now, :now, :job)")
                .bind("id", id).bind("hook", webhookId).bind("event", event.wireName()).bind("payload", payload)
                .bind("now", now.toEpochMilli()).bind("job", jobId).execute();
    }

    public Optional<Delivery> delivery(String id) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT " + DELIVERY_COLUMNS
                        + " FROM webhook_deliveries WHERE id = :id")
                .bind("id", id).map((rs, ctx) -> delivery(rs)).findOne()
                .map(d -> withLog(h, d)));
    }

    /** A page of the deliveries to the given hooks, newest first, each with its attempts. */
    public List<Delivery> deliveries(List<Long> webhookIds, long offset, int limit) {
        if (webhookIds.isEmpty()) return List.of();
        return database.jdbi().withHandle(h -> h.createQuery("SELECT " + DELIVERY_COLUMNS
                        + " FROM webhook_deliveries WHERE webhook_id IN (<ids>) ORDER BY created_at DESC, id"
                        + " LIMIT :limit OFFSET :offset")
                .bindList("ids", webhookIds).bind("limit", limit).bind("offset", offset)
                .map((rs, ctx) -> delivery(rs)).list()
                .stream().map(d -> withLog(h, d)).toList());
    }

    public long countDeliveries(List<Long> webhookIds) {
        if (webhookIds.isEmpty()) return 0;
        return database.jdbi().withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM webhook_deliveries WHERE webhook_id IN (<ids>)")
                .bindList("ids", webhookIds).mapTo(Long.class).one());
    }

    /**
     * Appends an attempt and sets the delivery's state, in one transaction; false (nothing written) when the
     * delivery is gone: its hook was deleted while the attempt was under way, and the deletion took the delivery.
     */
    boolean recordAttempt(String deliveryId, Delivery.Attempt attempt, Delivery.State state) {
        return database.inWriteTransaction(h -> {
            // The update first: it finds the row or not, and holds it against a deletion until the commit.
            int updated = h.createUpdate("UPDATE webhook_deliveries SET state = :state, attempts = :n,"
                            + " updated_at = :at WHERE id = :id")
                    .bind("state", state.wire()).bind("n", attempt.number()).bind("at", attempt.at().toEpochMilli())
                    .bind("id", deliveryId).execute();
            if (updated == 0) return false;
            h.createUpdate("INSERT INTO webhook_attempts (delivery_id, attempt, at, status, duration_ms,"
                            + " response_excerpt, error) VALUES (:id, :n, :at, :status, :ms, :excerpt, :error)")
                    .bind("id", deliveryId).bind("n", attempt.number()).bind("at", attempt.at().toEpochMilli())
                    .bind("status", attempt.status()).bind("ms", attempt.durationMillis())
                    .bind("excerpt", attempt.responseExcerpt()).bind("error", attempt.error()).execute();
            return true;
        });
    }

    /** Marks a delivery failed for good without an attempt (its hook went, or its retry window closed). */
    void markFailed(String deliveryId, Instant now) {
        database.inWriteTransaction(h -> h.createUpdate("UPDATE webhook_deliveries SET state = 'failed',"
                        + " updated_at = :now WHERE id = :id AND state = 'pending'")
                .bind("now", now.toEpochMilli()).bind("id", deliveryId).execute());
    }

    private Delivery withLog(Handle h, Delivery d) {
        List<Delivery.Attempt> log = h.createQuery("SELECT attempt, at, status, duration_ms, response_excerpt, error"
                        + " FROM webhook_attempts WHERE delivery_id = :id ORDER BY attempt")
                .bind("id", d.id())
                .map((rs, ctx) -> new Delivery.Attempt(rs.getInt("attempt"), Instant.ofEpochMilli(rs.getLong("at")),
                        nullableInt(rs, "status"), rs.getLong("duration_ms"), rs.getString("response_excerpt"),
                        rs.getString("error")))
                .list();
        return new Delivery(d.id(), d.webhookId(), d.event(), d.payload(), d.state(), d.attempts(), d.createdAt(),
                d.updatedAt(), log);
    }

    private static Integer nullableInt(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    private static Webhook hook(ResultSet rs) throws SQLException {
        return new Webhook(rs.getLong("id"), rs.getString("namespace"), rs.getString("repository"),
                rs.getString("pipeline"), rs.getString("name"), rs.getString("url"), events(rs.getString("events")),
                rs.getString("creator"), Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("updated_at")));
    }

    private static Delivery delivery(ResultSet rs) throws SQLException {
        return new Delivery(rs.getString("id"), rs.getLong("webhook_id"),
                WebhookEvent.byWireName(rs.getString("event")).orElseThrow(),
                rs.getString("payload"), Delivery.State.valueOf(rs.getString("state").toUpperCase(java.util.Locale.ROOT)),
                rs.getInt("attempts"), Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("updated_at")), List.of());
    }

    private static String eventsText(List<WebhookEvent> events) {
        return String.join(",", events.stream().map(WebhookEvent::wireName).toList());
    }

    private static List<WebhookEvent> events(String text) {
        return Arrays.stream(text.split(",")).filter(s -> !s.isEmpty())
                .map(s -> WebhookEvent.byWireName(s).orElseThrow()).toList();
    }
}
