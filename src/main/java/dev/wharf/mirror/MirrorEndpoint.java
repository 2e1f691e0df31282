package dev.wharf.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.http.AdminGate;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The mirrors' admin API (docs/operations.md, "Pull-through mirrors"): {@code GET /admin/mirrors},
 * {@code GET|PUT|DELETE /admin/mirrors/{name}}. Server administrators only, with HTTP Basic or a Hub session, as
 * {@code /admin/gc}. Changes are audited ({@code mirror.create}, {@code mirror.update}, {@code mirror.delete})
 * in the mirror's name. Upstream secrets are write-only: answers say whether credentials are set, never what.
 * Errors are {@code {"message": ...}}.
 */
public final class MirrorEndpoint {
    public static final String PATH = "/admin/mirrors";

    private final MirrorAdmin admin;
    private final String hubMirror;
    private final AdminGate gate;
    private final ObjectMapper json;
    private final MirrorService service;
    private final Duration evictDefault;

    /** @param evictDefault the server's {@code mirrors.evict_unused_after}, for mirrors without their own */
    public MirrorEndpoint(MirrorAdmin admin, MirrorService service, Duration evictDefault, String hubMirror,
            AdminGate gate, ObjectMapper json) {
        this.service = service;
        this.evictDefault = evictDefault;
        this.admin = admin;
        this.hubMirror = hubMirror;
        this.gate = gate;
        this.json = json;
    }

    public void register(JavalinConfig config) {
        config.routes.get(PATH, this::list);
        config.routes.get(PATH + "/{name}", this::show);
        config.routes.put(PATH + "/{name}", this::put);
        config.routes.delete(PATH + "/{name}", this::delete);
    }

    private void list(Context ctx) {
        if (!admin(ctx)) return;
        ctx.json(Map.of("mirrors", admin.list().stream().map(this::view).toList()));
    }

    private void show(Context ctx) {
        if (!admin(ctx)) return;
        Optional<Mirror> m = admin.find(ctx.pathParam("name"));
        if (m.isEmpty()) {
            ctx.status(404).json(Map.of("message", "no mirror is named '" + ctx.pathParam("name") + "'"));
            return;
        }
        ctx.json(view(m.get()));
    }

    private void put(Context ctx) {
        if (!admin(ctx)) return;
        JsonNode body;
        try {
            body = json.readTree(ctx.bodyInputStream().readNBytes(64 * 1024));
        } catch (IOException e) {
            ctx.status(400).json(Map.of("message", "the body must be a JSON object"));
            return;
        }
        if (body == null || !body.isObject()) {
            ctx.status(400).json(Map.of("message", "the body must be a JSON object"));
            return;
        }
        MirrorAdmin.Change change;
        try {
            change = new MirrorAdmin.Change(text(body, "upstream"), text(body, "username"), text(body, "password"),
                    body.hasNonNull("revalidate_seconds") ? number(body, "revalidate_seconds") : null,
                    body.hasNonNull("anonymous_pulls") ? bool(body, "anonymous_pulls") : null,
                    body.hasNonNull("evict_unused_seconds") ? number(body, "evict_unused_seconds") : null,
                    body.has("evict_unused_seconds") && body.get("evict_unused_seconds").isNull());
        } catch (IllegalArgumentException e) {
            ctx.status(400).json(Map.of("message", e.getMessage()));
            return;
        }
        try {
            boolean created = admin.put(ctx.pathParam("name"), change);
            ctx.status(created ? 201 : 200).json(view(admin.find(ctx.pathParam("name")).orElseThrow()));
        } catch (MirrorAdmin.Refused e) {
            ctx.status(e.status()).json(Map.of("message", e.getMessage()));
        }
    }

    private void delete(Context ctx) {
        if (!admin(ctx)) return;
        try {
            admin.delete(ctx.pathParam("name"));
            ctx.status(204);
        } catch (MirrorAdmin.Refused e) {
            ctx.status(e.status()).json(Map.of("message", e.getMessage()));
        }
    }

    private Map<String, Object> view(Mirror m) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", m.name());
        v.put("upstream", m.upstream());
        v.put("username", m.credentials() == null ? null : m.credentials().username());
        v.put("credentials", m.credentials() != null);
        v.put("revalidate_seconds", m.revalidateAfter().toSeconds());
        v.put("anonymous_pulls", m.anonymousPulls());
        // The mirror's own setting (null: the server's), and what applies.
        v.put("evict_unused_seconds", m.evictUnusedAfter() == null ? null : m.evictUnusedAfter().toSeconds());
        v.put("evicts_unused_after_seconds", m.evictUnusedAfter(evictDefault).toSeconds());
        v.put("hub_mirror", m.name().equals(hubMirror));
        v.put("managed_by", m.managedBy());
        v.put("created_at", m.createdAt().toString());
        v.put("updated_at", m.updatedAt().toString());
        MirrorStore.MirrorTotals totals = admin.totals(m.name());
        v.put("repositories", totals.repositories());
        v.put("hits", totals.hits());
        v.put("misses", totals.misses());
        // This node's view: null while the upstream answers; else since when it failed as down, its last failure
        // in Wharf's words (never credentials), and when this node asks it again.
        v.put("upstream_down", service.upstreamOutage(m).map(o -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("since", o.since().toString());
            d.put("last_failure", o.lastFailure());
            d.put("next_try", o.retryAt().toString());
            return d;
        }).orElse(null));
        // As this node last heard it; null until the upstream states a budget (Docker Hub does, on manifests).
        v.put("upstream_rate_limit", service.upstreamRateLimit(m).map(r -> {
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("limit", r.limit());
            l.put("remaining", r.remaining());
            l.put("window_seconds", r.windowSeconds());
            l.put("stated_at", r.at().toString());
            return l;
        }).orElse(null));
        return v;
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw new IllegalArgumentException(field + " must be a string");
        return v.asText();
    }

    private static long number(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (!v.canConvertToLong() || !v.isIntegralNumber()) throw new IllegalArgumentException(field
                + " must be a whole number");
        return v.asLong();
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (!v.isBoolean()) throw new IllegalArgumentException(field + " must be true or false");
        return v.asBoolean();
    }

    private boolean admin(Context ctx) {
        return gate.admit(ctx, "only a server administrator may manage mirrors");
    }
}
