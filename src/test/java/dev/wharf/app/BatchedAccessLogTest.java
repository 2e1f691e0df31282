package dev.wharf.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchedAccessLogTest {
    private static final long NEVER = 3_600_000; // a batch delay no test waits out: close() ends it

    /** Standard output stand-in that counts the writes reaching it. */
    private static final class Sink extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicInteger writes = new AtomicInteger();

        @Override
        public synchronized void write(int b) {
            writes.incrementAndGet();
            bytes.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes.incrementAndGet();
            bytes.write(b, off, len);
        }

        synchronized List<String> lines() {
            return bytes.toString(StandardCharsets.UTF_8).lines().toList();
        }
    }

    @Test
    void linesLookAsLogbacksConsolePatternPrintsThem() {
        Instant at = Instant.parse("2026-12-05T09:05:35.052Z");
        Sink sink = new Sink();
        try (BatchedAccessLog log = new BatchedAccessLog(new PrintStream(sink), NEVER, 1 << 20,
                Clock.fixed(at, ZoneId.of("UTC")))) {
            log.request("127.0.0.1", "GET", "/v2/x/manifests/y", 401, 51);
            log.request("10.0.0.7", "PUT", "/v2/a/b/blobs/uploads/1", 201, 1234);
        }
        String time = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
                .format(at.atZone(ZoneId.systemDefault()));
        assertThat(sink.lines()).containsExactly(
                time + " INFO  [access] 127.0.0.1 GET /v2/x/manifests/y 401 5.1ms",
                time + " INFO  [access] 10.0.0.7 PUT /v2/a/b/blobs/uploads/1 201 123.4ms");
    }

    @Test
    void aBatchGoesOutInOneWrite() {
        Sink sink = new Sink();
        try (BatchedAccessLog log = new BatchedAccessLog(new PrintStream(sink), NEVER, 1 << 20)) {
            for (int i = 0; i < 500; i++) log.request("127.0.0.1", "GET", "/v2/r/manifests/t" + i, 200, 3);
        }
        assertThat(sink.lines()).hasSize(500).last().asString().contains("/v2/r/manifests/t499 200 0.3ms");
        assertThat(sink.writes.get()).isEqualTo(1);
    }

    @Test
    void linesReachTheOutputWithoutAClose() throws Exception {
        Sink sink = new Sink();
        try (BatchedAccessLog log = new BatchedAccessLog(new PrintStream(sink), 20, 1 << 20)) {
            log.request("127.0.0.1", "GET", "/v2/", 401, 1);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (sink.lines().isEmpty() && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(sink.lines()).singleElement().asString().endsWith("GET /v2/ 401 0.1ms");
            log.request("127.0.0.1", "GET", "/v2/", 200, 2);
            deadline = System.nanoTime() + 10_000_000_000L;
            while (sink.lines().size() < 2 && System.nanoTime() < deadline) Thread.sleep(5);
            assertThat(sink.lines()).hasSize(2);
        }
    }

    @Test
    void aBacklogPastTheCapDropsLinesAndSaysHowMany() {
        Sink sink = new Sink();
        try (BatchedAccessLog log = new BatchedAccessLog(new PrintStream(sink), NEVER, 300)) {
            for (int i = 0; i < 50; i++) log.request("127.0.0.1", "GET", "/v2/r/manifests/t" + i, 200, 3);
        }
        List<String> lines = sink.lines();
        // A line is 83-88 characters (by the zone's offset): the fourth is let in while the backlog is still under
        // 300, and the other 46 find it over.
        assertThat(lines).hasSize(5);
        assertThat(lines.subList(0, 4)).allMatch(l -> l.contains(" INFO  [access] 127.0.0.1 GET /v2/r/manifests/t"));
        assertThat(lines.get(4)).contains(" WARN  [access] 46 access-log lines dropped");
    }

    @Test
    void nothingIsWrittenAfterClose() {
        Sink sink = new Sink();
        BatchedAccessLog log = new BatchedAccessLog(new PrintStream(sink), NEVER, 1 << 20);
        log.request("127.0.0.1", "GET", "/v2/", 401, 1);
        log.close();
        log.request("127.0.0.1", "GET", "/v2/", 401, 1);
        log.close();
        assertThat(sink.lines()).hasSize(1);
    }
}
