package dev.wharf.webhooks;

import dev.wharf.auth.SecretBox;
import dev.wharf.upstream.OutboundDeniedException;
import dev.wharf.upstream.OutboundPolicy;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Webhook pipelines without HTTP: create (the secret is returned once and stored sealed), list, delete, the
 * delivery log and manual redelivery. Who may call these is the HTTP layer's business; the rules on names, URLs
 * and events are here.
 */
public final class WebhookService {
    private static final int MAX_HOOKS_PER_PIPELINE = 10;
    private static final int MAX_URL_LENGTH = 2048;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final WebhookStore store;
    private final WebhookOutbox outbox;
    private final SecretBox box;
    private final OutboundPolicy policy;
    private final Clock clock;

    public WebhookService(WebhookStore store, WebhookOutbox outbox, SecretBox box, OutboundPolicy policy,
            Clock clock) {
        this.store = store;
        this.outbox = outbox;
        this.box = box;
        this.policy = policy;
        this.clock = clock;
    }

    /** A pipeline: its hooks share the name, the subscribed events and the secret. */
    public record Pipeline(String slug, String name, List<Webhook> hooks) {}

    /** A receiver to create: its name and URL. */
    public record Target(String name, String url) {}

    /** The created pipeline and its signing secret, which is never shown again. */
    public record Created(Pipeline pipeline, String secret) {}

    /** @param repository the full repository name, or empty for a namespace hook */
    public Created create(String namespace, String repository, String name, List<Target> targets,
            List<WebhookEvent> events, String creator) {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new WebhookException(WebhookException.Reason.INVALID, "name", "A name of 1 to 100 characters is required.");
        }
        String slug = slug(name);
        if (slug.isEmpty()) {
            throw new WebhookException(WebhookException.Reason.INVALID, "name", "The name needs a letter or a digit.");
        }
        if (targets.isEmpty() || targets.size() > MAX_HOOKS_PER_PIPELINE) {
            throw new WebhookException(WebhookException.Reason.INVALID, "webhooks",
                    "Give 1 to " + MAX_HOOKS_PER_PIPELINE + " webhooks, each with a name and a hook_url.");
        }
        for (Target t : targets) checkUrl(t.url());
        if (events.isEmpty()) events = List.of(WebhookEvent.PUSH);
        String secret = "whs_" + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes());
        String sealed = box.seal(secret, WebhookSender.SECRET_CONTEXT);
        Instant now = clock.instant();
        List<WebhookEvent> subscribed = List.copyOf(events);
        List<Webhook> hooks = store.database().inWriteTransaction(h -> {
            if (store.pipelineExists(h, namespace, repository, slug)) {
                throw new WebhookException(WebhookException.Reason.CONFLICT, "name",
                        "A webhook pipeline named " + slug + " exists already.");
            }
            List<Webhook> created = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                Target t = targets.get(i);
                String hookName = t.name() == null || t.name().isBlank() ? name + (i == 0 ? "" : "-" + (i + 1)) : t.name();
                Webhook draft = new Webhook(0, namespace, repository, slug, hookName, t.url(), subscribed, creator,
                        now, now);
                long id = store.insert(h, draft, sealed);
                created.add(new Webhook(id, namespace, repository, slug, hookName, t.url(), subscribed, creator, now,
                        now));
            }
            return created;
        });
        return new Created(new Pipeline(slug, name, hooks), secret);
    }

    public List<Pipeline> list(String namespace, String repository) {
        Map<String, List<Webhook>> bySlug = new LinkedHashMap<>();
        for (Webhook w : store.list(namespace, repository)) {
            bySlug.computeIfAbsent(w.pipeline(), k -> new ArrayList<>()).add(w);
        }
        return bySlug.entrySet().stream().map(e -> new Pipeline(e.getKey(), e.getKey(), e.getValue())).toList();
    }

    public Pipeline get(String namespace, String repository, String slug) {
        return list(namespace, repository).stream().filter(p -> p.slug().equals(slug)).findFirst()
                .orElseThrow(() -> new WebhookException(WebhookException.Reason.NOT_FOUND, null,
                        "No webhook pipeline " + slug + " here."));
    }

    public void delete(String namespace, String repository, String slug) {
        if (!store.deletePipeline(namespace, repository, slug)) {
            throw new WebhookException(WebhookException.Reason.NOT_FOUND, null, "No webhook pipeline " + slug + " here.");
        }
    }

    /** A page of a pipeline's deliveries, newest first, and how many there are in all. */
    public record DeliveryPage(long count, List<Delivery> deliveries) {}

    public DeliveryPage deliveries(String namespace, String repository, String slug, long offset, int limit) {
        List<Long> ids = get(namespace, repository, slug).hooks().stream().map(Webhook::id).toList();
        return new DeliveryPage(store.countDeliveries(ids), store.deliveries(ids, offset, limit));
    }

    /**
     * Sends a delivery's exact body again as a new delivery (a new id: the receiver asked for it, so it must not
     * drop it as a duplicate). Returns the new delivery's id.
     */
    public String redeliver(String namespace, String repository, String slug, String deliveryId) {
        Pipeline pipeline = get(namespace, repository, slug);
        Delivery original = store.delivery(deliveryId)
                .filter(d -> pipeline.hooks().stream().anyMatch(w -> w.id() == d.webhookId()))
                .orElseThrow(() -> new WebhookException(WebhookException.Reason.NOT_FOUND, null,
                        "No delivery " + deliveryId + " in this pipeline."));
        Webhook hook = pipeline.hooks().stream().filter(w -> w.id() == original.webhookId()).findFirst().orElseThrow();
        return store.database().inWriteTransaction(h -> outbox.enqueue(h, hook, original.event(), original.payload(),
                clock.instant()));
    }

    /**
     * An absolute http(s) URL whose host does not resolve, now, into a range the outbound policy forbids. The
     * same check runs again at every delivery, since DNS answers change.
     */
    private void checkUrl(String url) {
        if (url == null || url.isBlank() || url.length() > MAX_URL_LENGTH) {
            throw new WebhookException(WebhookException.Reason.INVALID, "hook_url",
                    "An http:// or https:// URL of at most " + MAX_URL_LENGTH + " characters is required.");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new WebhookException(WebhookException.Reason.INVALID, "hook_url", "Not a valid URL.");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new WebhookException(WebhookException.Reason.INVALID, "hook_url",
                    "Only absolute http:// and https:// URLs are allowed.");
        }
        try {
            policy.resolve(uri.getHost());
        } catch (OutboundDeniedException e) {
            throw new WebhookException(WebhookException.Reason.INVALID, "hook_url",
                    "The URL's host is in an address range webhooks may not reach (outbound.allow / outbound.deny).");
        } catch (UnknownHostException e) {
            // A name that does not resolve yet may resolve later; each delivery checks again.
        }
    }

    /** Docker Hub's slug: lower case, runs of anything but letters and digits as one dash. */
    static String slug(String name) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return b;
    }
}
