package dev.wharf.mirror;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.audit.AuditContext;
import dev.wharf.auth.BasicCredentials;
import dev.wharf.auth.CredentialAuthenticator;
import dev.wharf.auth.LoginGuard;
import dev.wharf.auth.Principal;
import dev.wharf.auth.token.SessionTokens;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
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
    private final CredentialAuthenticator authenticator;
    private final LoginGuard guard;
    private final SessionTokens sessions;
    private final ObjectMapper json;

    public MirrorEndpoint(MirrorAdmin admin, String hubMirror, CredentialAuthenticator authenticator,
            LoginGuard guard, SessionTokens sessions, ObjectMapper json) {
        this.admin = admin;
        this.hubMirror = hubMirror;
        this.authenticator = authenticator;
        this.guard = guard;
        this.sessions = sessions;
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
                    body.hasNonNull("anonymous_pulls") ? bool(body, "anonymous_pulls") : null);
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
        v.put("hub_mirror", m.name().equals(hubMirror));
        v.put("managed_by", m.managedBy());
        v.put("created_at", m.createdAt().toString());
        v.put("updated_at", m.updatedAt().toString());
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

    /** True for a server administrator (who becomes the audit actor); otherwise writes the 401/403/429. */
    private boolean admin(Context ctx) {
        Optional<Principal> principal = principal(ctx);
        if (principal == null) return false;
        if (principal.isEmpty()) {
            ctx.header("WWW-Authenticate", "Basic realm=\"wharf admin\"");
            ctx.status(401).json(Map.of("message", "authentication required: an administrator's credentials"));
            return false;
        }
        if (!(principal.get() instanceof Principal.UserPrincipal u) || !u.admin()) {
            ctx.status(403).json(Map.of("message", "only a server administrator may manage mirrors"));
            return false;
        }
        AuditContext.setActor(u.username());
        return true;
    }

    /** As GcEndpoint: empty when unauthenticated, null when a response (429) was already written. */
    private Optional<Principal> principal(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null) return Optional.empty();
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) return sessions.verify(header.substring(7).trim());
        Optional<BasicCredentials> creds = BasicCredentials.fromHeader(header);
        if (creds.isEmpty()) return Optional.empty();
        return switch (guard.authenticate(authenticator, creds.get().username(), creds.get().secret(), ctx.ip())) {
            case LoginGuard.Attempt.Accepted a -> Optional.of(a.principal());
            case LoginGuard.Attempt.Rejected r -> Optional.empty();
            case LoginGuard.Attempt.Locked l -> {
                ctx.header("Retry-After", String.valueOf(Math.max(1, l.retryAfter().toSeconds())));
                ctx.status(429).json(Map.of("message", "too many failed logins; retry later"));
                yield null;
            }
        };
    }
}
