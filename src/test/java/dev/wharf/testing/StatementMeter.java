package dev.wharf.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts the SQL statements one request costs, with the server's own {@code wharf_db_statements} metric read
 * from {@code /metrics} before and after it. Background tasks (pull flushes, sweeps) also send statements now and
 * then, so a request's cost is the fewest over several tries. Shared by the "no query per row" tests.
 */
public final class StatementMeter {
    private static final Pattern STATEMENTS = Pattern.compile("(?m)^wharf_db_statements (\\S+)$");
    /** Enough tries to see the quiet minimum even on a loaded machine, where a try can span a background poll. */
    private static final int MAX_TRIES = 15;
    /**
     * Stop early once the minimum has come back this many times, after at least {@link #MIN_TRIES} tries: on a slow,
     * loaded machine a try can take a third of the 1 s poll of the authorization counters, so three tries in a row
     * can all span one (a CI run saw 8 statements three times where the request costs 6).
     */
    private static final int SEEN_ENOUGH = 3;
    private static final int MIN_TRIES = 8;

    private final Supplier<HttpResponse<byte[]>> metrics;

    /** @param metrics a GET of the server's {@code /metrics} */
    public StatementMeter(Supplier<HttpResponse<byte[]>> metrics) {
        this.metrics = metrics;
    }

    /** The fewest statements the request took over several tries; each try must answer 200. */
    public long fewest(Supplier<HttpResponse<byte[]>> request) {
        long fewest = Long.MAX_VALUE;
        int seen = 0;
        for (int i = 0; i < MAX_TRIES && (seen < SEEN_ENOUGH || i < MIN_TRIES); i++) {
            long before = statements();
            HttpResponse<byte[]> r = request.get();
            long after = statements();
            assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
            long cost = after - before;
            if (cost < fewest) {
                fewest = cost;
                seen = 1;
            } else if (cost == fewest) {
                seen++;
            }
        }
        return fewest;
    }

    private long statements() {
        String text = new String(metrics.get().body(), StandardCharsets.UTF_8);
        Matcher m = STATEMENTS.matcher(text);
        assertThat(m.find()).as("wharf_db_statements in /metrics").isTrue();
        return (long) Double.parseDouble(m.group(1));
    }
}
