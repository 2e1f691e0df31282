package dev.wharf.webhooks;

import dev.wharf.auth.SecretBox;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobFailure;
import dev.wharf.jobs.JobHandler;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one delivery: a POST of the stored body, signed with the hook's secret, with the delivery id that stays
 * the same on every retry. A 2xx answer delivers it; anything else (another status, no answer within the
 * timeout, a refused connection, an address the outbound policy forbids) is an attempt logged with what is known
 * and retried with exponential back-off until {@code retryFor} has passed since the event; a receiver that answers
 * 429 or 503 with {@code Retry-After} is left alone at least that long (up to an hour). Redirects are not
 * followed: a hook URL must name its receiver.
 */
public final class WebhookSender implements JobHandler {
    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);
    static final String SECRET_CONTEXT = "webhook-secret";
    private static final int EXCERPT_CHARS = 512;

    private final WebhookStore store;
    private final SecretBox box;
    private final WebhookTransport transport;
    private final Clock clock;
    private final Duration timeout;
    private final Duration retryFor;

    public WebhookSender(WebhookStore store, SecretBox box, WebhookTransport transport, Clock clock, Duration timeout,
            Duration retryFor) {
        this.store = store;
        this.box = box;
        this.transport = transport;
        this.clock = clock;
        this.timeout = timeout;
        this.retryFor = retryFor;
    }

    @Override
    public String type() {
        return WebhookOutbox.JOB_TYPE;
    }

    @Override
    public void run(Job job, JobContext context) {
        String deliveryId = job.input().path("delivery").asText();
        Delivery delivery = store.delivery(deliveryId)
                .orElseThrow(() -> JobFailure.permanent("the delivery no longer exists (its webhook was deleted)"));
        if (delivery.state() != Delivery.State.PENDING) return; // done by an earlier attempt whose job was retried
        Webhook hook = store.hook(delivery.webhookId())
                .orElseThrow(() -> JobFailure.permanent("the webhook was deleted"));
        String secret = box.openString(store.sealedSecret(hook.id()).orElseThrow(), SECRET_CONTEXT);
        context.step("deliver", "POST " + hook.url());
        byte[] body = delivery.payload().getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("User-Agent", "Wharf-Webhooks/1");
        headers.put("X-Wharf-Event", delivery.event().wireName());
        headers.put("X-Wharf-Delivery", delivery.id());
        headers.put(WebhookSignature.HEADER, WebhookSignature.sign(secret, body));
        int attempt = delivery.attempts() + 1;
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        Integer status = null;
        String excerpt = "";
        String error = "";
        Duration retryAfter = null;
        try {
            WebhookTransport.Response response = transport.post(URI.create(hook.url()), headers, body, timeout);
            status = response.status();
            excerpt = printable(response.bodyStart());
            retryAfter = response.retryAfter();
            if (status < 200 || status > 299) {
                error = "the receiver answered " + status
                        + (retryAfter == null ? "" : " and asked to be left alone for " + retryAfter.toSeconds() + " s");
            }
        } catch (HttpTimeoutException e) {
            error = "no answer within " + timeout.toSeconds() + " s";
        } catch (ConnectException e) {
            error = "connection refused";
        } catch (IOException e) {
            error = WebhookTransport.describe(e);
        } catch (IllegalArgumentException e) {
            error = "not a usable URL";
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        boolean delivered = error.isEmpty();
        boolean expired = !delivered && clock.instant().isAfter(delivery.createdAt().plus(retryFor));
        Delivery.State state = delivered ? Delivery.State.DELIVERED
                : expired ? Delivery.State.FAILED : Delivery.State.PENDING;
        boolean recorded = store.recordAttempt(delivery.id(),
                new Delivery.Attempt(attempt, started, status, millis, excerpt, error), state);
        if (delivered) return;
        if (!recorded) throw JobFailure.permanent("the webhook was deleted while the delivery was being sent");
        log.info("webhook {} delivery {} attempt {}: {}", hook.id(), delivery.id(), attempt, error);
        if (expired) throw JobFailure.permanent("gave up after " + retryFor.toHours() + " h: " + error);
        throw JobFailure.transientError(error, null, retryAfter);
    }

    @Override
    public void failed(Job job, String message) {
        store.markFailed(job.input().path("delivery").asText(), clock.instant());
    }

    /** The start of a receiver's answer as plain text: control characters become spaces, nothing else is kept. */
    static String printable(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(Math.min(text.length(), EXCERPT_CHARS));
        text.codePoints().limit(EXCERPT_CHARS).forEach(c -> out.appendCodePoint(
                Character.isISOControl(c) || c == 0xFFFD ? ' ' : c));
        return out.toString().strip();
    }
}
