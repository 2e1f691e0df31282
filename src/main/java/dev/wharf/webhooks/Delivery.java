package dev.wharf.webhooks;

import java.time.Instant;
import java.util.List;

/**
 * One event sent (or to be sent) to one hook: its id (the {@code X-Wharf-Delivery} header, stable across
 * retries so receivers can drop duplicates), the exact body, and every attempt so far.
 */
public record Delivery(String id, long webhookId, WebhookEvent event, String payload, State state, int attempts,
        Instant createdAt, Instant updatedAt, List<Attempt> log) {

    public enum State {
        PENDING, DELIVERED, FAILED;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One try: the receiver's status (null when none came), its duration, and the start of the answer or error. */
    public record Attempt(int number, Instant at, Integer status, long durationMillis, String responseExcerpt,
            String error) {}
}
