package dev.wharf.upstream;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry's pull budget as its answer states it: Docker Hub sends {@code ratelimit-limit: 100;w=21600} and
 * {@code ratelimit-remaining: 76;w=21600} on manifest requests (pulls left in a window of {@code w} seconds, for
 * the account or address asking). A mirror that shows it lets operators see a Hub limit coming before pulls fail.
 *
 * @param windowSeconds the window the numbers count over, 0 when the registry did not say
 */
public record UpstreamRateLimit(long limit, long remaining, long windowSeconds) {
    /** A count, optionally with {@code ;w=<seconds>} (other parameters are ignored). */
    private static final Pattern VALUE = Pattern.compile("\\s*(\\d{1,12})\\s*(;.*)?");
    private static final Pattern WINDOW = Pattern.compile("(?:^|;)\\s*w=(\\d{1,12})\\s*(?:;|$)");

    /** The budget in a response's headers; empty when either header is missing or unreadable. */
    static Optional<UpstreamRateLimit> of(OutboundResponse r) {
        return parse(r.header("ratelimit-limit").orElse(null), r.header("ratelimit-remaining").orElse(null));
    }

    static Optional<UpstreamRateLimit> parse(String limit, String remaining) {
        if (limit == null || remaining == null) return Optional.empty();
        Matcher l = VALUE.matcher(limit);
        Matcher r = VALUE.matcher(remaining);
        if (!l.matches() || !r.matches()) return Optional.empty();
        long window = window(l.group(2));
        return Optional.of(new UpstreamRateLimit(Long.parseLong(l.group(1)), Long.parseLong(r.group(1)),
                window > 0 ? window : window(r.group(2))));
    }

    /** The {@code w=} parameter of a value's parameters, 0 when there is none. */
    private static long window(String parameters) {
        if (parameters == null) return 0;
        Matcher w = WINDOW.matcher(parameters);
        return w.find() ? Long.parseLong(w.group(1)) : 0;
    }
}
