package dev.wharf.gc;

import dev.wharf.config.Durations;
import dev.wharf.http.AdminGate;
import dev.wharf.storage.meta.GarbageStore;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /admin/gc}: the collector's settings, this node's counters, the cluster's totals and last pass, and
 * the review queue. {@code POST /admin/gc[?dry_run=true][&blob_grace=10m]}: runs a pass now and answers with its
 * report; {@code blob_grace} replaces {@code gc.blob_grace} for that pass only (room after deleting images, sooner
 * than the configured grace would give it).
 *
 * <p>Server administrators only, whether or not registry auth is on: HTTP Basic (password, checked under the
 * login throttle) or a Hub session ({@code Authorization: Bearer}). Errors are {@code {"message": ...}} with
 * 400, 401 (with a Basic challenge) or 403.
 */
public final class GcEndpoint {
    public static final String PATH = "/admin/gc";
    private static final Logger log = LoggerFactory.getLogger(GcEndpoint.class);

    private final GarbageCollector collector;
    private final GarbageStore store;
    private final AdminGate gate;
    private final boolean enabled;
    private final Duration interval;

    public GcEndpoint(GarbageCollector collector, GarbageStore store, AdminGate gate, boolean enabled, Duration interval) {
        this.collector = collector;
        this.store = store;
        this.gate = gate;
        this.enabled = enabled;
        this.interval = interval;
    }

    public void register(JavalinConfig config) {
        config.routes.get(PATH, this::status);
        config.routes.post(PATH, this::run);
    }

    private void status(Context ctx) {
        if (!admin(ctx)) return;
        GarbageStore.Totals totals = store.totals();
        GarbageCollector.Counters node = collector.counters();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("enabled", enabled);
        body.put("interval_seconds", interval.toSeconds());
        body.put("untagged_grace_seconds", collector.untaggedGrace().toSeconds());
        body.put("blob_grace_seconds", collector.blobGrace().toSeconds());
        body.put("queue_length", store.queueLength());
        Map<String, Object> thisNode = new LinkedHashMap<>();
        thisNode.put("passes", node.passes());
        thisNode.put("failures", node.failures());
        thisNode.put("manifests_deleted", node.manifestsDeleted());
        thisNode.put("blobs_deleted", node.blobsDeleted());
        thisNode.put("bytes_reclaimed", node.bytesReclaimed());
        thisNode.put("last_pass_at", node.lastPass() == null ? null : node.lastPass().toString());
        body.put("node", thisNode);
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put("passes", totals.passes());
        cluster.put("manifests_deleted", totals.manifestsDeleted());
        cluster.put("blobs_deleted", totals.blobsDeleted());
        cluster.put("bytes_reclaimed", totals.bytesReclaimed());
        body.put("cluster", cluster);
        body.put("last_pass", totals.last().map(GcEndpoint::pass).orElse(null));
        ctx.json(body);
    }

    private void run(Context ctx) {
        if (!admin(ctx)) return;
        String dryRun = ctx.queryParam("dry_run");
        if (dryRun != null && !dryRun.equals("true") && !dryRun.equals("false")) {
            ctx.status(400).json(Map.of("message", "dry_run must be true or false"));
            return;
        }
        Duration blobGrace = collector.blobGrace();
        String grace = ctx.queryParam("blob_grace");
        if (grace != null) {
            Optional<Duration> given = Durations.parse(grace);
            if (given.isEmpty()) {
                ctx.status(400).json(Map.of("message", "blob_grace must be a duration like 0s, 10m or 24h, at most "
                        + Durations.LONGEST_TEXT));
                return;
            }
            blobGrace = given.get();
            log.info("garbage collection pass requested with blob_grace {} (configured: {}), dry run: {}",
                    grace.trim(), collector.blobGrace(), "true".equals(dryRun));
        }
        GarbageCollector.Report r = collector.run("true".equals(dryRun), blobGrace);
        Map<String, Object> body = report(r);
        body.put("blob_grace_seconds", blobGrace.toSeconds());
        ctx.json(body);
    }

    /** The JSON shape of a report, shared with nothing else on purpose: it is this endpoint's contract. */
    static Map<String, Object> report(GarbageCollector.Report r) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("dry_run", r.dryRun());
        body.put("started_at", r.startedAt().toString());
        body.put("elapsed_ms", r.elapsed().toMillis());
        body.put("manifests_deleted", r.manifestsDeleted());
        body.put("blobs_deleted", r.blobsDeleted());
        body.put("bytes_reclaimed", r.bytesReclaimed());
        body.put("manifests", r.manifests().stream()
                .map(m -> Map.of("repository", m.repository(), "digest", m.digest().toString())).toList());
        body.put("blobs", r.blobs().stream()
                .map(b -> Map.of("digest", b.digest().toString(), "size", b.size())).toList());
        body.put("truncated", r.manifests().size() < r.manifestsDeleted() || r.blobs().size() < r.blobsDeleted());
        return body;
    }

    private static Map<String, Object> pass(GarbageStore.Pass p) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", p.node());
        body.put("started_at", p.startedAt().toString());
        body.put("finished_at", p.finishedAt().toString());
        body.put("dry_run", p.dryRun());
        body.put("manifests_deleted", p.manifestsDeleted());
        body.put("blobs_deleted", p.blobsDeleted());
        body.put("bytes_reclaimed", p.bytesReclaimed());
        body.put("error", p.error());
        return body;
    }

    private boolean admin(Context ctx) {
        return gate.admit(ctx, "only a server administrator may use " + PATH);
    }
}
