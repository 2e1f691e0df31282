package dev.wharf.ops;

import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.meta.MetadataStore;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * /healthz answers while the process is alive; /readyz only when the database and blob storage both answer
 * (storage is probed with a real write, read and delete); /metrics is the Prometheus scrape. Dependencies the node
 * can serve without (Redis, whose counters fall back to memory) are listed in /readyz's checks for the operator but
 * never make it "not ready": taking every node out of the load balancer for them would be the outage.
 */
public final class HealthEndpoints {
    private final MetadataStore meta;
    private final BlobStore blobs;
    private final Metrics metrics;
    private final Map<String, Supplier<String>> advisories;

    /** @param advisories checks shown in /readyz that do not decide readiness: name → "ok" or what is wrong */
    public HealthEndpoints(MetadataStore meta, BlobStore blobs, Metrics metrics,
            Map<String, Supplier<String>> advisories) {
        this.meta = meta;
        this.blobs = blobs;
        this.metrics = metrics;
        this.advisories = advisories;
    }

    public void register(JavalinConfig config) {
        config.routes.get("/healthz", ctx -> ctx.json(Map.of("status", "ok")));
        config.routes.get("/readyz", this::ready);
        config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(metrics.registry().scrape()));
    }

    private void ready(Context ctx) {
        Map<String, String> checks = new LinkedHashMap<>();
        boolean ok = check(checks, "database", meta::ping);
        ok &= check(checks, "storage", () -> {
            try {
                blobs.probe();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        });
        advisories.forEach((name, state) -> checks.put(name, state.get()));
        ctx.status(ok ? 200 : 503).json(Map.of("status", ok ? "ready" : "not ready", "checks", checks));
    }

    private static boolean check(Map<String, String> checks, String name, Runnable probe) {
        try {
            probe.run();
            checks.put(name, "ok");
            return true;
        } catch (RuntimeException e) {
            checks.put(name, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            return false;
        }
    }
}
