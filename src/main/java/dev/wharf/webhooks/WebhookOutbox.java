package dev.wharf.webhooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditListener;
import dev.wharf.jobs.JobStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Turns recorded changes into deliveries. It listens to the audit log inside the transaction of the change, so a
 * push and its deliveries commit together (nothing is lost if the node dies right after a push, nothing is sent
 * for a push that rolled back), and the push itself only pays for one indexed lookup of subscribers plus a row
 * per subscribed hook: sending happens later, on the delivery workers.
 */
public final class WebhookOutbox implements AuditListener {
    /** Jobs of this type deliver one {@link Delivery}; they are never listed in any Cycle hub. */
    public static final String JOB_TYPE = "webhook.deliver";
    static final String JOB_HUB = "";

    private final WebhookStore store;
    private final JobStore jobs;
    private final WebhookPayloads payloads;
    private final ObjectMapper json;
    private final int maxAttempts;

    public WebhookOutbox(WebhookStore store, JobStore jobs, ObjectMapper json, String publicUrl,
            boolean privateByDefault, int maxAttempts) {
        this.store = store;
        this.jobs = jobs;
        this.json = json;
        this.payloads = new WebhookPayloads(json, publicUrl, privateByDefault);
        this.maxAttempts = maxAttempts;
    }

    @Override
    public void recorded(Handle h, AuditAction action, String account, String name, Map<String, String> data,
            String actor, Instant at) {
        WebhookEvent event = switch (action) {
            case REPO_TAG_PUSH, REPO_TAG_MOVE -> WebhookEvent.PUSH;
            case REPO_TAG_DELETE -> WebhookEvent.TAG_DELETED;
            case REPO_MANIFEST_DELETE -> WebhookEvent.IMAGE_DELETED;
            default -> null;
        };
        if (event != null) publish(h, event, name, actor, data, at);
    }

    /**
     * Queues {@code event} of {@code repository} for every hook subscribed to it, inside the caller's transaction.
     * Also called for events that are not audit events (imports and builds ending).
     */
    public void publish(Handle h, WebhookEvent event, String repository, String actor, Map<String, String> data,
            Instant at) {
        List<Webhook> hooks = store.subscribers(h, WebhookPayloads.namespaceOf(repository), repository).stream()
                .filter(hook -> hook.events().contains(event)).toList();
        if (hooks.isEmpty()) return;
        String eventId = UUID.randomUUID().toString();
        String wharfBody = event == WebhookEvent.PUSH ? null
                : payloads.wharfEvent(eventId, event, repository, actor, data, at);
        for (Webhook hook : hooks) {
            String body = wharfBody != null ? wharfBody
                    : payloads.push(h, hook, repository, data.get("tag"), data.get("digest"), actor, at);
            enqueue(h, hook, event, body, at);
        }
    }

    /** One delivery row and the job that sends it; the delivery id is what receivers deduplicate on. */
    String enqueue(Handle h, Webhook hook, WebhookEvent event, String body, Instant at) {
        String deliveryId = UUID.randomUUID().toString();
        String jobId = jobs.submit(h, JOB_HUB, JOB_TYPE, "deliver " + event.wireName() + " to webhook " + hook.id(),
                json.createObjectNode().put("delivery", deliveryId), maxAttempts, 0).id();
        store.insertDelivery(h, deliveryId, hook.id(), event, body, jobId, at);
        return deliveryId;
    }
}
