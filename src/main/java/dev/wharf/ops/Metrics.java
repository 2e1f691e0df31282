package dev.wharf.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/** Wharf's Prometheus meters, kept in one place so names stay consistent. Served at /metrics. */
public final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter bytesRedirected;
    private final AtomicInteger uploadsInProgress = new AtomicInteger();
    /** Timers by label set, so a request costs one map lookup rather than a meter registration lookup. */
    private final ConcurrentMap<RequestKey, Timer> requestTimers = new ConcurrentHashMap<>();

    private record RequestKey(String method, String route, int status) {}

    public Metrics() {
        bytesIn = Counter.builder("wharf_registry_bytes_received").description("blob and manifest bytes received")
                .register(registry);
        bytesOut = Counter.builder("wharf_registry_bytes_sent").description("blob and manifest bytes sent")
                .register(registry);
        bytesRedirected = Counter.builder("wharf_registry_bytes_redirected")
                .description("blob bytes that clients were redirected to fetch from storage directly")
                .register(registry);
        registry.gauge("wharf_uploads_in_progress", uploadsInProgress);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public void request(String method, String route, int status, Duration elapsed) {
        requestTimers.computeIfAbsent(new RequestKey(method, route, status), k -> Timer.builder("wharf_http_requests")
                .description("HTTP requests by route and status")
                .tags("method", k.method(), "route", k.route(), "status", String.valueOf(k.status()))
                .publishPercentileHistogram()
                .register(registry)).record(elapsed);
    }

    public void bytesIn(long n) {
        bytesIn.increment(n);
    }

    public void bytesOut(long n) {
        bytesOut.increment(n);
    }

    /** Bytes a redirected client was sent to fetch elsewhere (the blob, or its requested range). */
    public void bytesRedirected(long n) {
        bytesRedirected.increment(n);
    }

    /** Registers a gauge computed on scrape (e.g. blob count from the metadata store). */
    public void gauge(String name, String description, Supplier<Number> value) {
        io.micrometer.core.instrument.Gauge.builder(name, value).description(description).register(registry);
    }

    /** Registers (or finds) a counter, e.g. work done by a background task. */
    public Counter counter(String name, String description) {
        return Counter.builder(name).description(description).register(registry);
    }

    /** Caches an expensive reading (a database aggregate) so frequent scrapes do not repeat it. */
    public static <T> Supplier<T> memoize(Supplier<T> source, Duration ttl) {
        return new Supplier<>() {
            private T value;
            private long expiresAt;

            @Override
            public synchronized T get() {
                long now = System.nanoTime();
                if (value == null || now - expiresAt > 0) {
                    value = source.get();
                    expiresAt = now + ttl.toNanos();
                }
                return value;
            }
        };
    }

    /** Counts bytes read from a request body and tracks it as an upload in progress until closed. */
    public InputStream countIn(InputStream in) {
        uploadsInProgress.incrementAndGet();
        return new FilterInputStream(in) {
            private boolean closed;

            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) bytesIn.increment();
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) bytesIn.increment(n);
                return n;
            }

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    uploadsInProgress.decrementAndGet();
                }
                super.close();
            }
        };
    }
}
