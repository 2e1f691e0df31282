package dev.wharf.sources;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.wharf.jobs.Job;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code /v1/images/sources}: Cycle's Image Sources operations. */
final class SourcesEndpoint {
    /** Cycle's ImageSourceState values, which {@code filter[state]} accepts (as the images and jobs lists do). */
    private static final Set<String> SOURCE_STATES = Set.of("live", "deleting", "deleted");
    private static final Set<String> METAS = Set.of("images_count");
    private static final Set<String> INCLUDES = Set.of("creators", "integrations");

    private final SourceService sources;
    private final SourceView view;
    private final HubGate gate;
    private final Runnable wakeWorkers;

    SourcesEndpoint(SourceService sources, SourceView view, HubGate gate, Runnable wakeWorkers) {
        this.sources = sources;
        this.view = view;
        this.gate = gate;
        this.wakeWorkers = wakeWorkers;
    }

    void register(JavalinConfig c) {
        c.routes.get("/v1/images/sources", this::list);
        c.routes.post("/v1/images/sources", this::create);
        c.routes.get("/v1/images/sources/{sourceId}", this::get);
        c.routes.patch("/v1/images/sources/{sourceId}", this::update);
        c.routes.delete("/v1/images/sources/{sourceId}", this::delete);
        c.routes.patch("/v1/images/sources/{sourceId}/access", this::access);
    }

    private void list(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        Set<String> metas = known(ctx, "meta", METAS);
        Set<String> includes = known(ctx, "include", INCLUDES);
        Map<String, String> f = CycleHttp.filters(ctx);
        List<ImageSource> page = sources.list(caller, f.get("identifier"), blankToNull(f.get("search")),
                ListQuery.oneOf(f.get("state"), "state", SOURCE_STATES),
                ctx.queryParams("sort"), ctx.queryParam("page[size]"), ctx.queryParam("page[number]"));
        Map<String, Map<String, Long>> counts = metas.contains("images_count")
                ? sources.imageCounts(page.stream().map(ImageSource::id).toList()) : null;
        ArrayNode data = JsonNodeFactory.instance.arrayNode();
        for (ImageSource s : page) data.add(view.source(s, counts == null ? null : counts.getOrDefault(s.id(), Map.of())));
        CycleHttp.data(ctx, 200, data, includes.isEmpty() ? null : view.includes(page, includes));
    }

    private void get(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        Set<String> metas = known(ctx, "meta", METAS);
        Set<String> includes = known(ctx, "include", INCLUDES);
        ImageSource s = sources.get(caller, ctx.pathParam("sourceId"));
        Map<String, Long> counts = metas.contains("images_count")
                ? sources.imageCounts(List.of(s.id())).getOrDefault(s.id(), Map.of()) : null;
        CycleHttp.data(ctx, 200, view.source(s, counts), includes.isEmpty() ? null : view.includes(List.of(s), includes));
    }

    private void create(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        CycleHttp.data(ctx, 201, view.source(sources.create(caller, CycleHttp.body(ctx)), null), null);
    }

    private void update(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        ImageSource s = sources.update(caller, ctx.pathParam("sourceId"), CycleHttp.body(ctx));
        CycleHttp.data(ctx, 200, view.source(s, null), null);
    }

    private void access(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        ImageSource s = sources.updateAccess(caller, ctx.pathParam("sourceId"), CycleHttp.body(ctx));
        CycleHttp.data(ctx, 200, view.source(s, null), null);
    }

    private void delete(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        Job job = sources.delete(caller, ctx.pathParam("sourceId"));
        wakeWorkers.run();
        CycleHttp.data(ctx, 202, JobView.descriptor("delete", job), null);
    }

    static Set<String> known(Context ctx, String param, Set<String> allowed) {
        Set<String> values = ListQuery.values(ctx.queryParams(param));
        for (String v : values) {
            if (!allowed.contains(v)) {
                throw CycleException.invalid(null, param + " accepts " + String.join(", ", new java.util.TreeSet<>(allowed))
                        + "; got " + v);
            }
        }
        return values;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
