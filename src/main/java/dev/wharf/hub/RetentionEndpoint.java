package dev.wharf.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.jobs.Job;
import dev.wharf.retention.RetentionPlan;
import dev.wharf.retention.RetentionPolicy;
import dev.wharf.retention.RetentionService;
import io.javalin.http.Context;
import java.time.Clock;
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

    /** The dry run: exactly what a run started now would delete. */
    void preview(Context ctx) {
        AdministeredScope.Scope s = scope(ctx);
        List<Map<String, Object>> plans = service.preview(s.namespace(), s.repository()).stream()
                .map(RetentionEndpoint::view).toList();
        HubJson.write(ctx, json, 200, Map.of("dry_run", true, "repositories", plans));
    }

    void run(Context ctx) {
        AdministeredScope.Scope s = scope(ctx);
        Job job = service.submitRun(s.namespace(), s.repository());
        HubJson.write(ctx, json, 202, Map.of("run_id", job.id(), "state", job.state().wire()));
    }

    void runStatus(Context ctx) {
        AdministeredScope.Scope s = scope(ctx);
        Job job = service.run(ctx.pathParam("run"))
                .filter(j -> j.input().path("namespace").asText().equals(s.namespace())
                        && j.input().path("repository").asText("").equals(s.repository()))
                .orElseThrow(() -> new HubException(HubError.NOT_FOUND, "No such retention run"));
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("run_id", job.id());
        v.put("state", job.state().wire());
        v.put("error", job.error());
        v.put("result", job.progress() == null ? null : job.progress().path("output"));
        HubJson.write(ctx, json, 200, v);
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

    private static Map<String, Object> view(RetentionPlan plan) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("repository", plan.repository());
        v.put("images", plan.images());
        v.put("bytes_freed", plan.bytesFreed());
        v.put("candidates", plan.candidates().stream().map(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("digest", c.digest());
            m.put("tags", c.tags());
            m.put("pushed_at", HubJson.time(c.pushedAt()));
            m.put("last_pulled", c.lastPulled() == null ? null : HubJson.time(c.lastPulled()));
            return m;
        }).toList());
        return v;
    }
}
