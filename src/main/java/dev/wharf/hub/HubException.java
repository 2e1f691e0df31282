package dev.wharf.hub;

import dev.wharf.auth.IdentityException;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hub API failure to answer with. {@code fields} (validation messages per request field) is only written for
 * 400s; {@code login2faToken} only for {@link HubError#SECOND_FACTOR_REQUIRED}; {@code retryAt} only for 429s.
 * Messages never contain a secret: they are shown to the caller and may be logged.
 */
public final class HubException extends RuntimeException {
    private final HubError error;
    private final Map<String, List<String>> fields;
    private final String login2faToken;
    private final Instant retryAt;

    private HubException(HubError error, String detail, Map<String, List<String>> fields, String login2faToken,
            Instant retryAt) {
        super(detail == null ? error.detail() : detail, null, false, false); // an answer, not a bug: no trace
        this.error = error;
        this.fields = fields == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        this.login2faToken = login2faToken;
        this.retryAt = retryAt;
    }

    public HubException(HubError error) {
        this(error, null, null, null, null);
    }

    public HubException(HubError error, String detail) {
        this(error, detail, null, null, null);
    }

    /** A 400 naming what is wrong with which fields; {@code text} sums it up. */
    public static HubException invalid(String text, Map<String, List<String>> fields) {
        return new HubException(HubError.INVALID_REQUEST, text, fields, null, null);
    }

    public static HubException invalidField(String field, String message) {
        return invalid(field + ": " + message, Map.of(field, List.of(message)));
    }

    /**
     * A rule of the identity services that the body broke, attributed to a field: the one its message starts
     * with (the services name the field first: "expires_at must be in the future"), else {@code fallbackField},
     * else none. The message itself is always in {@code text} and {@code detail}.
     */
    public static HubException invalidInput(IdentityException e, String fallbackField, String... fields) {
        String message = e.getMessage();
        for (String field : fields) {
            if (message.startsWith(field + " ")) return invalid(message, Map.of(field, List.of(message)));
        }
        return invalid(message, fallbackField == null ? Map.of() : Map.of(fallbackField, List.of(message)));
    }

    public static HubException secondFactorRequired(String login2faToken) {
        return new HubException(HubError.SECOND_FACTOR_REQUIRED, null, null, login2faToken, null);
    }

    public static HubException tooMany(HubError error, Instant retryAt) {
        return new HubException(error, null, null, null, retryAt);
    }

    public HubError error() {
        return error;
    }

    public Map<String, List<String>> fields() {
        return fields;
    }

    public String login2faToken() {
        return login2faToken;
    }

    public Instant retryAt() {
        return retryAt;
    }
}
