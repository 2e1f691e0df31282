package dev.wharf.images;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/** The {@code active_from} instant: an RFC 3339 timestamp, or one month before now when absent. */
public final class ActiveFrom {

    // RFC 3339 date-time: seconds required, optional fraction, Z or a numeric offset. ISO_OFFSET_DATE_TIME alone
    // would also accept a missing seconds field, which RFC 3339 does not allow.
    private static final Pattern RFC_3339 =
            Pattern.compile("\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})");

    private ActiveFrom() {}

    static Instant parse(String raw, Clock clock) {
        if (raw == null || raw.isEmpty()) return defaultFor(clock.instant());
        if (!RFC_3339.matcher(raw).matches()) throw invalid(raw);
        try {
            return OffsetDateTime.parse(raw.toUpperCase(java.util.Locale.ROOT)).toInstant();
        } catch (DateTimeParseException e) {
            throw invalid(raw); // shaped right but not a real date, e.g. 2024-02-30
        }
    }

    /** The default: one calendar month (UTC) before {@code now}; images active since then get {@code is_active}. */
    public static Instant defaultFor(Instant now) {
        return OffsetDateTime.ofInstant(now, ZoneOffset.UTC).minusMonths(1).toInstant();
    }

    private static ImageException invalid(String raw) {
        return ImageException.invalid("active_from",
                "active_from must be an RFC 3339 timestamp such as 2024-01-31T12:00:00Z, not '" + raw + "'");
    }
}
