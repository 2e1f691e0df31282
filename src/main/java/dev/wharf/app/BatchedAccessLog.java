package dev.wharf.app;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Access-log lines gathered in memory and written to standard output by one thread at most {@code flushMillis}
 * after the first of a batch, the way nginx's {@code access_log ... buffer= flush=} works. Logback's asynchronous
 * appender woke its worker for nearly every line (45,000 thread wake-ups in 5 s of manifest GETs), which cost the
 * registry a fifth of its requests per second under load ("What runs AE–AG add" in docs/benchmarks-journal.md); here
 * a request only appends its line under a short lock, and the writer is woken once per batch.
 *
 * <p>The lines look as Logback's console pattern ({@link LogSetup#PATTERN}) would print them, so readers of the log
 * see one format. A request never waits for the console: when more than {@code maxPendingChars} are waiting (the
 * output is blocked) lines are dropped and counted, and the count is written once the output moves again. Lines are
 * at most one batch late relative to the rest of the log; {@link #close} writes out what is left.
 */
final class BatchedAccessLog implements AccessLog {
    static final long FLUSH_MILLIS = 100;
    static final int MAX_PENDING_CHARS = 4 << 20;
    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
    private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("XXX");

    private final PrintStream out;
    private final long flushMillis;
    private final int maxPendingChars;
    private final Clock clock;
    private final ZoneId zone = ZoneId.systemDefault();
    private final Thread writer;
    private StringBuilder pending = new StringBuilder(8192);
    private StringBuilder spare = new StringBuilder(8192); // the builder being written out, reused for the next batch
    private long dropped;
    private boolean closed;
    private long cachedSecond = Long.MIN_VALUE;
    private String secondText;
    private String offsetText;

    BatchedAccessLog(PrintStream out, long flushMillis, int maxPendingChars) {
        this(out, flushMillis, maxPendingChars, Clock.systemUTC());
    }

    BatchedAccessLog(PrintStream out, long flushMillis, int maxPendingChars, Clock clock) {
        this.out = out;
        this.flushMillis = flushMillis;
        this.maxPendingChars = maxPendingChars;
        this.clock = clock;
        this.writer = Thread.ofPlatform().name("wharf-access-log").daemon().start(this::writeBatches);
    }

    @Override
    public void request(String ip, String method, String path, int status, long tenthsOfMillis) {
        long now = clock.millis();
        synchronized (this) {
            if (closed) return;
            if (pending.length() > maxPendingChars) {
                dropped++;
                return;
            }
            boolean wasEmpty = pending.isEmpty();
            appendTime(pending, now);
            pending.append(" INFO  [access] ").append(ip).append(' ').append(method).append(' ').append(path)
                    .append(' ').append(status).append(' ').append(tenthsOfMillis / 10).append('.')
                    .append(tenthsOfMillis % 10).append("ms\n");
            if (wasEmpty) notifyAll(); // the writer waits only while nothing is pending
        }
    }

    /** Writes out every line logged before it, and stops the writer (without waiting out its batch delay). */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        writer.interrupt(); // ends its sleep; a write in progress is not interruptible and completes
        try {
            writer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeBatches() {
        while (true) {
            boolean last;
            synchronized (this) {
                while (pending.isEmpty() && dropped == 0 && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        closed = true;
                    }
                }
                last = closed;
            }
            if (!last) {
                try {
                    Thread.sleep(flushMillis); // let the batch grow: one write for everything logged meanwhile
                } catch (InterruptedException e) {
                    last = true;
                }
            }
            StringBuilder batch;
            synchronized (this) {
                batch = pending;
                pending = spare;
                if (dropped > 0) {
                    appendTime(batch, clock.millis());
                    batch.append(" WARN  [access] ").append(dropped)
                            .append(" access-log lines dropped: standard output did not keep up\n");
                    dropped = 0;
                }
                last |= closed;
            }
            if (!batch.isEmpty()) {
                byte[] bytes = batch.toString().getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length); // PrintStream: never throws, one write(2) for the batch
                out.flush();
            }
            batch.setLength(0);
            if (batch.capacity() > 1 << 20) batch = new StringBuilder(8192); // do not keep a burst's buffer
            synchronized (this) {
                spare = batch;
            }
            if (last) return;
        }
    }

    /** The line's time as {@code yyyy-MM-dd'T'HH:mm:ss.SSSXXX}, the date part formatted once per second. */
    private void appendTime(StringBuilder line, long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        if (second != cachedSecond) {
            ZonedDateTime t = Instant.ofEpochSecond(second).atZone(zone);
            secondText = SECOND.format(t);
            offsetText = OFFSET.format(t);
            cachedSecond = second;
        }
        int millis = (int) Math.floorMod(epochMillis, 1000);
        line.append(secondText).append('.');
        if (millis < 100) line.append('0');
        if (millis < 10) line.append('0');
        line.append(millis).append(offsetText);
    }
}
