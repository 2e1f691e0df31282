package dev.wharf.mirror;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.DoubleSupplier;

/**
 * The mirrors' Prometheus counters, labelled by mirror: cache hits and misses (manifest or blob), requests that
 * joined a download already running, downloads started ahead of the client, blobs passed on unstored for want of
 * room, bytes received from upstreams, stale serves, failed upstream requests and tag revalidations (unchanged or
 * moved); and two gauges of the upstream's pull budget as it states it. Per node, like every counter.
 */
public final class MirrorMetrics {
    private final MeterRegistry registry;

    public MirrorMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void hit(String mirror, String kind) {
        counter("wharf_mirror_hits", "requests served from a mirror's cache", mirror, "kind", kind).increment();
    }

    void miss(String mirror, String kind) {
        counter("wharf_mirror_misses", "requests a mirror fetched from its upstream", mirror, "kind", kind)
                .increment();
    }

    void joined(String mirror) {
        counter("wharf_mirror_joined_downloads", "blob requests served from a download already in progress",
                mirror).increment();
    }

    void prefetched(String mirror) {
        counter("wharf_mirror_prefetched_blobs", "blob downloads started ahead of the client, on its manifest GET",
                mirror).increment();
    }

    void relayed(String mirror) {
        counter("wharf_mirror_relayed_blobs", "blobs passed from the upstream to a client without being stored,"
                + " for want of room on this node's disk", mirror).increment();
    }

    void upstreamBytes(String mirror, long n) {
        counter("wharf_mirror_upstream_bytes", "blob bytes received from a mirror's upstream", mirror).increment(n);
    }

    void stale(String mirror) {
        counter("wharf_mirror_stale_serves", "tags served from the cache because the upstream failed", mirror)
                .increment();
    }

    void skipped(String mirror) {
        counter("wharf_mirror_upstream_skipped", "upstream requests not sent because the upstream failed as down"
                + " moments before", mirror).increment();
    }

    void upstreamError(String mirror) {
        counter("wharf_mirror_upstream_errors", "failed requests to a mirror's upstream", mirror).increment();
    }

    void revalidated(String mirror, String result) {
        counter("wharf_mirror_revalidations", "tag checks against the upstream after the interval", mirror,
                "result", result).increment();
    }

    /**
     * The upstream's pull budget as it last stated it to this node (NaN once forgotten): Docker Hub's
     * {@code ratelimit-limit} and {@code ratelimit-remaining}.
     */
    void rateLimitGauges(String mirror, DoubleSupplier limit, DoubleSupplier remaining) {
        Gauge.builder("wharf_mirror_upstream_ratelimit_limit", limit, DoubleSupplier::getAsDouble)
                .description("pulls the upstream allows per window, as it last stated (Docker Hub's ratelimit-limit)")
                .tags("mirror", mirror).strongReference(true).register(registry);
        Gauge.builder("wharf_mirror_upstream_ratelimit_remaining", remaining, DoubleSupplier::getAsDouble)
                .description("pulls left in the upstream's window, as it last stated (Docker Hub's"
                        + " ratelimit-remaining)")
                .tags("mirror", mirror).strongReference(true).register(registry);
    }

    private Counter counter(String name, String description, String mirror, String... tags) {
        String[] all = new String[tags.length + 2];
        all[0] = "mirror";
        all[1] = mirror;
        System.arraycopy(tags, 0, all, 2, tags.length);
        return Counter.builder(name).description(description).tags(all).register(registry);
    }
}
