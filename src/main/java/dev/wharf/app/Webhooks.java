package dev.wharf.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.audit.AuditWriter;
import dev.wharf.auth.SecretBox;
import dev.wharf.config.WebhooksConfig;
import dev.wharf.config.WharfConfig;
import dev.wharf.jobs.Backoff;
import dev.wharf.jobs.JobStore;
import dev.wharf.jobs.WorkerPool;
import dev.wharf.storage.meta.Database;
import dev.wharf.upstream.OutboundHttp;
import dev.wharf.webhooks.HttpWebhookTransport;
import dev.wharf.webhooks.ImageJobEvents;
import dev.wharf.webhooks.WebhookOutbox;
import dev.wharf.webhooks.WebhookSender;
import dev.wharf.webhooks.WebhookService;
import dev.wharf.webhooks.WebhookStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The webhook parts of a node: the outbox that queues deliveries inside the transactions of the changes (on
 * every node), and a worker pool of its own that sends them (where {@code webhooks.deliver} is on), so slow
 * receivers never hold up imports or builds, and a long import never delays a delivery.
 */
final class Webhooks {
    /** Enough for 24 h of back-off capped at an hour, with room for shorter test settings. */
    private static final int MAX_ATTEMPTS = 1000;

    private final Database database;
    private final WebhookService service;
    private final WorkerPool pool;
    private final ImageJobEvents imageJobs;

    Webhooks(WharfConfig config, Database database, JobStore jobs, SecretBox box, OutboundHttp outbound,
            ObjectMapper json, Clock clock) {
        this.database = database;
        WebhooksConfig settings = config.webhooks();
        WebhookStore store = new WebhookStore(database);
        WebhookOutbox outbox = new WebhookOutbox(store, jobs, json, publicUrl(config), config.auth().defaultPrivate(),
                MAX_ATTEMPTS);
        AuditWriter.listen(database.jdbi(), outbox);
        this.service = new WebhookService(store, outbox, box, outbound.policy(), clock);
        this.imageJobs = new ImageJobEvents(database, outbox, clock);
        WebhookSender sender = new WebhookSender(store, box, new HttpWebhookTransport(outbound), clock,
                settings.timeout(), settings.retryFor());
        this.pool = settings.deliver()
                ? new WorkerPool("webhook", jobs, List.of(sender), clock, settings.workers(),
                        settings.timeout().multipliedBy(3).plus(Duration.ofSeconds(30)), Duration.ofSeconds(1),
                        new Backoff(settings.retryInitial(), settings.retryMax()))
                : null;
    }

    WebhookService service() {
        return service;
    }

    /** Reports imports and builds ending; the Cycle job pool calls it. */
    ImageJobEvents imageJobEvents() {
        return imageJobs;
    }

    void start() {
        if (pool != null) pool.start();
    }

    /** Unsent deliveries stay queued for the next node (or this one after a restart). */
    void stop() {
        AuditWriter.stopListening(database.jdbi());
        if (pool != null) pool.stop(Duration.ofSeconds(5));
    }

    private static String publicUrl(WharfConfig config) {
        if (!config.webhooks().publicUrl().isEmpty()) return config.webhooks().publicUrl();
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return "http://" + host + ":" + config.http().port();
    }
}
