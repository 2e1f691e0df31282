package dev.wharf.webhooks;

/** A webhook request that cannot be done as asked; the HTTP layer maps the reason to its API's error format. */
public final class WebhookException extends RuntimeException {
    public enum Reason { INVALID, NOT_FOUND, CONFLICT }

    private final Reason reason;
    private final String field;

    public WebhookException(Reason reason, String field, String message) {
        super(message, null, false, false);
        this.reason = reason;
        this.field = field;
    }

    public Reason reason() {
        return reason;
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }
}
