package dev.wharf.config;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as Wharf's settings and parameters write them: a whole number and a unit, 500ms, 30s, 15m, 24h, 7d. */
public final class Durations {
    /**
     * The longest duration accepted. Durations are subtracted from the current time (a grace period, a retention),
     * and 12 digits of days reach past the oldest {@link java.time.Instant}: such a value failed the operation that
     * used it instead of being refused where it was given.
     */
    public static final Duration LONGEST = Duration.ofDays(36_500);
    /** How {@link #LONGEST} is written, for messages. */
    public static final String LONGEST_TEXT = "36500d";

    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

    private Durations() {}

    /** The duration {@code text} names (zero included, at most {@link #LONGEST}), or empty when it is not one. */
    public static Optional<Duration> parse(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) return Optional.empty();
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        return d.compareTo(LONGEST) > 0 ? Optional.empty() : Optional.of(d);
    }
}
