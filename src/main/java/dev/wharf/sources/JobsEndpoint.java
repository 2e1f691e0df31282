package dev.wharf.sources;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobStore;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code /v1/jobs}: a hub's jobs, newest first, and one job with its task's steps and progress. */
final class JobsEndpoint {
    static final int LATEST = 10;
    private static final Set<String> INCLUDES = Set.of("creators");
    /**
     * Cycle's JobState values, which {@code filter[state]} accepts; Wharf's jobs are never {@code scheduled} or
     * {@code expired}, so those match nothing.
     */
    private static final Set<String> STATES = Set.of("new", "queued", "error", "scheduled", "expired", "running",
            "completed");

    private final JobStore jobs;
    private final SourceView view;
    private final HubGate gate;

    JobsEndpoint(JobStore jobs, SourceView view, HubGate gate) {
        this.jobs = jobs;
        this.view = view;
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
        caller.require(Operation.VIEW_JOBS);
        ArrayNode data = JsonNodeFactory.instance.arrayNode();
        for (Job j : jobs.list(caller.hub(), null, 0, LATEST)) data.add(JobView.job(j));
        CycleHttp.data(ctx, 200, data, null);
    }

    /**
     * {@code GET /v1/jobs}: filtered, sorted (newest first unless told) and paged by the database.
     * {@code filter[range-start]}/{@code filter[range-end]} bound when the job was queued (submitted).
     */
    private void list(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Operation.VIEW_JOBS);
        Set<String> includes = SourcesEndpoint.known(ctx, "include", INCLUDES);
        Map<String, String> f = CycleHttp.filters(ctx);
        Instant from = dateTime(f.get("range-start"), "range-start");
        Instant until = dateTime(f.get("range-end"), "range-end");
        if (from != null && until != null && from.isAfter(until)) {
            throw CycleException.invalid(null, "filter[range-start] is after filter[range-end]");
        }
        String search = f.get("search") == null || f.get("search").isBlank() ? null
                : ListQuery.containsPattern(f.get("search").strip());
        String orderBy = ListQuery.orderBy(ListQuery.sorts(ctx.queryParams("sort"), JobStore.SORT_COLUMNS.keySet()),
                JobStore.SORT_COLUMNS, "created_at DESC", "id");
        ListQuery.Page page = ListQuery.page(ctx.queryParam("page[size]"), ctx.queryParam("page[number]"));
        List<Job> found = jobs.page(new JobStore.Query(caller.hub(), ListQuery.oneOf(f.get("state"), "state", STATES),
                from, until, search, orderBy, page.size(), page.offset()));
        ArrayNode data = JsonNodeFactory.instance.arrayNode();
        for (Job j : found) data.add(JobView.job(j));
        ObjectNode inc = null;
        if (includes.contains("creators")) {
            inc = JsonNodeFactory.instance.objectNode();
            inc.set("creators", view.creators(found.stream().map(Job::creatorUserId).toList()));
        }
        CycleHttp.data(ctx, 200, data, inc);
    }

    /** A filter's DateTime (RFC 3339, e.g. {@code 2021-01-30T08:30:00Z}), or null when absent. */
    private static Instant dateTime(String value, String name) {
        if (value == null || value.isBlank()) return null;
        try {
            return OffsetDateTime.parse(value.strip()).toInstant();
        } catch (DateTimeParseException e) {
            throw CycleException.invalid(null, "filter[" + name + "] must be a date-time like 2021-01-30T08:30:00Z,"
                    + " got " + value);
        }
    }

    private void get(Context ctx) {
        Caller caller = CycleHttp.caller(ctx, gate);
        caller.require(Operation.VIEW_JOBS);
        Job job = jobs.find(ctx.pathParam("jobId")).filter(j -> j.hub().equals(caller.hub()))
                .orElseThrow(() -> new CycleException(CycleError.JOB_NOT_FOUND, "no job " + ctx.pathParam("jobId")
                        + " in this hub"));
        CycleHttp.data(ctx, 200, JobView.job(job), null);
    }
}
