package dev.wharf.sources;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobState;
import dev.wharf.jobs.JobStore;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/** {@code /v1/jobs}: a hub's jobs, newest first, and one job with its task's steps and progress. */
final class JobsEndpoint {
    static final int LATEST = 10;

    private final JobStore jobs;
    private final HubGate gate;

    JobsEndpoint(JobStore jobs, HubGate gate) {
        this.jobs = jobs;
        this.gate = gate;
    }

    void register(JavalinConfig c) {
        c.routes.get("/v1/jobs", this::list);
        c.routes.get("/v1/jobs/latest", this::latest);
        c.routes.get("/v1/jobs/{jobId}", this::get);
    }

    /** The hub's {@value #LATEST} newest jobs, newest first: what a dashboard shows as recent activity. */
    private void latest(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Capability.JOBS_VIEW);
        ArrayNode data = JsonNodeFactory.instance.arrayNode();
        for (Job j : jobs.list(caller.hub(), null, 0, LATEST)) data.add(JobView.job(j));
        CycleHttp.data(ctx, 200, data, null);
    }

    private void list(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Capability.JOBS_VIEW);
        Map<String, String> f = CycleHttp.filters(ctx);
        JobState state = null;
        if (f.get("state") != null && !f.get("state").isBlank()) {
            try {
                state = JobState.ofWire(f.get("state").strip());
            } catch (IllegalArgumentException e) {
                throw CycleException.invalid(null, "filter[state] is new, queued, running, completed or error");
            }
        }
        List<Job> all = jobs.list(caller.hub(), state, 0, 10_000);
        List<Job> page = ListQuery.sortAndPage(all, List.of(), Map.of(), ctx.queryParam("page[size]"),
                ctx.queryParam("page[number]"));
        ArrayNode data = JsonNodeFactory.instance.arrayNode();
        for (Job j : page) data.add(JobView.job(j));
        CycleHttp.data(ctx, 200, data, null);
    }

    private void get(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Capability.JOBS_VIEW);
        Job job = jobs.find(ctx.pathParam("jobId")).filter(j -> j.hub().equals(caller.hub()))
                .orElseThrow(() -> new CycleException(CycleError.JOB_NOT_FOUND, "no job " + ctx.pathParam("jobId")
                        + " in this hub"));
        CycleHttp.data(ctx, 200, JobView.job(job), null);
    }
}
