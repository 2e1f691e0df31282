package dev.wharf.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.LoginSession;
import dev.wharf.auth.LoginSessions;
import dev.wharf.auth.Principal;
import dev.wharf.auth.token.SessionTokens;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A user's own sessions and refresh tokens, {@code /v2/auth/sessions} (Wharf's addition; see docs/hub-api.md):
 * list them, revoke one, revoke all but the current one, or sign the current one out. Listing and revoking others
 * needs a password session, like every credential operation ({@link HubAuth#requireUserSession}); signing out the
 * session one holds does not.
 */
final class LoginSessionEndpoint {
    static final String CURRENT = "current";

    private final SessionTokens sessions;
    private final LoginSessions logins;
    private final HubAuth auth;
    private final ObjectMapper json;

    LoginSessionEndpoint(SessionTokens sessions, HubAuth auth, ObjectMapper json) {
        this.sessions = sessions;
        this.logins = sessions.logins();
        this.auth = auth;
        this.json = json;
    }

    void list(Context ctx) {
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        String current = auth.sessionId(ctx).orElse(null);
        List<Map<String, Object>> results = logins.list(user.userId()).stream().map(s -> view(s, current)).toList();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", results.size());
        body.put("results", results);
        HubJson.write(ctx, json, 200, body);
    }

    void revoke(Context ctx) {
        String id = ctx.pathParam("id");
        if (id.equals(CURRENT)) {
            auth.require(ctx);
            if (!auth.presentedToken(ctx).map(sessions::end).orElse(false)) {
                throw new HubException(HubError.NOT_FOUND, "This session cannot be signed out: it has no server-side"
                        + " session (issued before sessions were recorded, or made from an organization token)");
            }
            ctx.status(204);
            return;
        }
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        if (!logins.revoke(user.userId(), id)) throw new HubException(HubError.NOT_FOUND, "Session not found");
        ctx.status(204);
    }

    void revokeOthers(Context ctx) {
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        logins.revokeAll(user.userId(), auth.sessionId(ctx).orElse(null), "signed out everywhere else");
        ctx.status(204);
    }

    private static Map<String, Object> view(LoginSession s, String current) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", s.id());
        v.put("type", s.kind() == LoginSession.Kind.SESSION ? "session" : "refresh_token");
        v.put("via", s.tokenUuid() == null ? "password" : "personal_access_token");
        v.put("access_token", s.tokenUuid());
        v.put("created_at", HubJson.time(s.createdAt()));
        v.put("expires_at", HubJson.time(s.expiresAt()));
        v.put("client_ip", s.clientIp());
        v.put("user_agent", s.userAgent());
        v.put("current", s.id().equals(current));
        return v;
    }
}
