package dev.wharf.upstream;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * A registry's {@code Retry-After} (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. A registry that rate-limits
 * (Docker Hub's 429, a 503 during maintenance) says with it when asking again makes sense.
 */
public final class RetryAfter {
    private RetryAfter() {}

    /**
     * The wait an answer asks for: its {@code Retry-After} on a 429 or 503, the two statuses HTTP gives it meaning
     * for a retry; empty for any other status or without a readable header.
     */
    public static Optional<Duration> of(OutboundResponse r) {
        int s = r.status();
        if (s != 429 && s != 503) return Optional.empty();
        return parse(r.header("Retry-After").orElse(null), Instant.now());
    }

    /**
     * The wait the header asks for, measured from {@code now} for a date (never negative); empty when it is
     * missing or is neither form (it is then ignored, as HTTP says).
     */
    public static Optional<Duration> parse(String value, Instant now) {
        if (value == null || value.isBlank()) return Optional.empty();
        String v = value.strip();
        if (v.chars().allMatch(Character::isDigit)) {
            // More digits than a long holds is a wait longer than anyone will honour anyway.
            long seconds = v.length() > 12 ? 999_999_999_999L : Long.parseLong(v);
            return Optional.of(Duration.ofSeconds(seconds));
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return Optional.of(at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
