package dev.wharf.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.images.ActiveFrom;
import dev.wharf.jobs.Job;
import dev.wharf.retention.RetentionPlan;
import dev.wharf.retention.RetentionPolicy;
import dev.wharf.retention.RetentionService;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wharf's retention endpoints (docs/hub-api.md, "Retention"), for a repository
 * ({@code /v2/namespaces/{namespace}/repositories/{repository}/retention…}: its administrators) and for a
 * namespace ({@code /v2/namespaces/{namespace}/retention…}: the organization's owners or the user): the policy,
 * a preview, a run (a persistent job) and the run's outcome.
 */
final class RetentionEndpoint {
    private final RetentionService service;
    private final AdministeredScope scopes;
    private final ObjectMapper json;
    private final Clock clock;

    RetentionEndpoint(RetentionService service, AdministeredScope scopes, ObjectMapper json, Clock clock) {
        this.service = service;
        this.scopes = scopes;
        this.json = json;
        this.clock = clock;
    }

    private AdministeredScope.Scope scope(Context ctx) {
        return scopes.of(ctx, "retention policy");
    }

    void get(Context ctx) {
        AdministeredScope.Scope s = scope(ctx);
        RetentionPolicy p = service.store().get(s.namespace(), s.repository())
                .orElseThrow(() -> new HubException(HubError.NOT_FOUND, "No retention policy here"));
        HubJson.write(ctx, json, 200, view(p));
    }

    void put(Context ctx) {
        AdministeredScope.Scope s = scope(ctx);
        HubBody body = HubBody.parse(ctx, json);
        Long last = number(body, "keep_last");
        Long days = number(body, "keep_pulled_days");
        String tags = body.optionalString("keep_tags");
        Long interval = number(body, "interval_seconds");
        if (interval != null && interval < 300) body.problem("interval_seconds", "Must be at least 300.");
        if (last == null && days == null && (tags == null || tags.isBlank())) {
            body.problem("keep_last", "Set at least one keep rule (keep_last, keep_pulled_days or keep_tags).");
        }
        if (tags != null && !tags.matches("[A-Za-z0-9_.\\-*?,]{0,512}")) {
            body.problem("keep_tags", "Globs of tag characters, * and ?, separated by commas.");
        }
        body.check();
        RetentionPolicy p = new RetentionPolicy(last == null ? null : last.intValue(),
                days == null ? null : days.intValue(), tags, interval);
        service.store().put(s.namespace(), s.repository(), p, s.actor(), clock.instant());
        HubJson.write(ctx, json, 200, view(p));
    }

    void delete(Context ctx) {
        AdministeredScope.Scope s = scope(ctx);
        if (!service.store().delete(s.namespace(), s.repository())) {
            throw new HubException(HubError.NOT_FOUND, "No retention policy here");
        }
        ctx.status(204);
    }

    /**
     * The dry run: exactly what a run started now would delete, its candidates paged across the scope's
     * repositories (each with delete-images' warnings: every candidate has a {@code current_tag}; one pushed or
     * pulled within the default {@code active_from}, a month, is also {@code is_active}).
     */
    void preview(Context ctx) {
        AdministeredScope.Scope s = scope(ctx);
        Pages pages = Pages.of(ctx, 25);
        List<RetentionPlan> plans = service.preview(s.namespace(), s.repository());
        List<Map<String, Object>> repositories = new ArrayList<>();
        List<Map<String, Object>> results = new ArrayList<>();
        long count = 0, bytes = 0, skip = pages.offset();
        for (RetentionPlan plan : plans) {
            repositories.add(summary(plan));
            bytes += plan.bytesFreed();
            count += plan.candidates().size();
            Instant activeFrom = ActiveFrom.defaultFor(plan.planAt());
            for (RetentionPlan.Candidate c : plan.candidates()) {
                if (skip > 0) {
                    skip--;
                } else if (results.size() < pages.pageSize()) {
                    results.add(view(plan.repository(), c, activeFrom));
                }
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("dry_run", true);
        body.put("count", count);
        body.put("bytes_freed", bytes);
        body.put("repositories", repositories);
        pages.links(ctx, count, body);
        body.put("results", results);
        HubJson.write(ctx, json, 200, body);
    }

    void run(Context ctx) {
        AdministeredScope.Scope s = scope(ctx);
        Job job = service.submitRun(s.namespace(), s.repository());
        HubJson.write(ctx, json, 202, Map.of("run_id", job.id(), "state", job.state().wire()));
    }

    void runStatus(Context ctx) {
        AdministeredScope.Scope s = scope(ctx);
        Job job = service.run(HubPath.param(ctx, "run"))
                .filter(j -> j.input().path("namespace").asText().equals(s.namespace())
                        && j.input().path("repository").asText("").equals(s.repository()))
                .orElseThrow(() -> new HubException(HubError.NOT_FOUND, "No such retention run"));
        HubJson.write(ctx, json, 200, view(job));
    }

    /** The scope's runs, newest first, paged: the console shows the last one's result. */
    void runs(Context ctx) {
        AdministeredScope.Scope s = scope(ctx);
        Pages pages = Pages.of(ctx);
        long count = service.runCount(s.namespace(), s.repository());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", count);
        pages.links(ctx, count, body);
        body.put("results", service.runs(s.namespace(), s.repository(), pages.offset(), pages.pageSize()).stream()
                .map(RetentionEndpoint::view).toList());
        HubJson.write(ctx, json, 200, body);
    }

    private static Map<String, Object> view(Job job) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("run_id", job.id());
        v.put("state", job.state().wire());
        v.put("error", job.error());
        v.put("result", job.progress() == null ? null : job.progress().path("output"));
        v.put("created_at", HubJson.time(job.createdAt()));
        v.put("completed_at", job.completedAt() == null ? null : HubJson.time(job.completedAt()));
        return v;
    }

    private static Long number(HubBody body, String field) {
        JsonNode n = body.node(field);
        if (n == null || n.isNull()) return null;
        if (!n.isIntegralNumber() || n.longValue() < 0 || n.longValue() > Integer.MAX_VALUE * 1000L) {
            body.problem(field, "Must be a whole number of 0 or more, or null.");
            return null;
        }
        return n.longValue();
    }

    private static Map<String, Object> view(RetentionPolicy p) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("keep_last", p.keepLast());
        v.put("keep_pulled_days", p.keepPulledDays());
        v.put("keep_tags", p.keepTags());
        v.put("interval_seconds", p.intervalSeconds());
        return v;
    }

    private static Map<String, Object> summary(RetentionPlan plan) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("repository", plan.repository());
        v.put("images", plan.images());
        v.put("candidate_count", plan.candidates().size());
        v.put("bytes_freed", plan.bytesFreed());
        return v;
    }

    private static Map<String, Object> view(String repository, RetentionPlan.Candidate c, Instant activeFrom) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("repository", repository);
        m.put("digest", c.digest());
        m.put("tags", c.tags());
        m.put("pushed_at", HubJson.time(c.pushedAt()));
        m.put("last_pulled", c.lastPulled() == null ? null : HubJson.time(c.lastPulled()));
        Instant activity = c.lastPulled() != null && c.lastPulled().isAfter(c.pushedAt()) ? c.lastPulled()
                : c.pushedAt();
        m.put("warnings", activity.isBefore(activeFrom) ? List.of("current_tag")
                : List.of("current_tag", "is_active"));
        return m;
    }
}
