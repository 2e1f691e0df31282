package dev.wharf.ops;

import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.meta.MetadataStore;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * /healthz answers while the process is alive; /readyz only when the database and blob storage both answer
 * (storage is probed with a real write, read and delete); /metrics is the Prometheus scrape.
 */
public final class HealthEndpoints {
    private final MetadataStore meta;
    private final BlobStore blobs;
    private final Metrics metrics;

    public HealthEndpoints(MetadataStore meta, BlobStore blobs, Metrics metrics) {
        this.meta = meta;
        this.blobs = blobs;
        this.metrics = metrics;
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
