package dev.wharf.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccessScope;
import dev.wharf.auth.AccessTokenService;
import dev.wharf.auth.CreatedToken;
import dev.wharf.auth.IdentityException;
import dev.wharf.auth.PersonalAccessToken;
import dev.wharf.auth.Principal;
import dev.wharf.auth.TokenOrigin;
import dev.wharf.auth.TokenPage;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Personal access tokens, {@code /v2/access-tokens} and {@code /v2/access-tokens/{uuid}}. The secret is in the
 * creation response only; reads show {@code "token": ""} as Docker Hub does. Another user's token answers 404
 * exactly like a missing one. All of it needs a password session ({@link HubAuth#requireUserSession}).
 */
final class AccessTokenEndpoint {
    private final AccessTokenService tokens;
    private final HubAuth auth;
    private final ObjectMapper json;

    AccessTokenEndpoint(AccessTokenService tokens, HubAuth auth, ObjectMapper json) {
        this.tokens = tokens;
        this.auth = auth;
        this.json = json;
    }

    void create(Context ctx) {
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        HubBody body = HubBody.parse(ctx, json);
        String label = body.requiredString("token_label");
        List<String> scopes = body.stringList("scopes", true);
        Instant expiresAt = body.optionalTime("expires_at");
        if (scopes != null) checkScopes(body, scopes);
        body.check();
        CreatedToken<PersonalAccessToken> created;
        try {
            created = tokens.create(user.userId(), label, scopes, expiresAt,
                    TokenOrigin.manual(ctx.ip(), ctx.userAgent()));
        } catch (IdentityException e) {
            throw e.reason() == IdentityException.Reason.INVALID_INPUT ? invalid(e) : e;
        }
        HubJson.write(ctx, json, 201, view(created.token(), created.secret()));
    }

    private static void checkScopes(HubBody body, List<String> scopes) {
        if (scopes.isEmpty()) body.problem("scopes", "At least one scope is required.");
        for (String scope : scopes) {
            try {
                AccessScope.parse(scope);
            } catch (IdentityException e) {
                body.problem("scopes", "Valid scopes: repo:admin, repo:write, repo:read, repo:public_read.");
                return;
            }
        }
    }

    void list(Context ctx) {
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        Pages pages = Pages.of(ctx);
        TokenPage page = tokens.list(user.userId(), pages.page(), pages.pageSize());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", page.count());
        pages.links(ctx, page.count(), body);
        body.put("active_count", page.activeCount());
        body.put("results", page.results().stream().map(t -> view(t, "")).toList());
        HubJson.write(ctx, json, 200, body);
    }

    void get(Context ctx) {
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        PersonalAccessToken token = tokens.get(user.userId(), ctx.pathParam("uuid"))
                .orElseThrow(AccessTokenEndpoint::notFound);
        HubJson.write(ctx, json, 200, view(token, ""));
    }

    void update(Context ctx) {
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        HubBody body = HubBody.parse(ctx, json);
        String label = body.optionalString("token_label");
        Boolean active = body.optionalBoolean("is_active");
        body.check();
        PersonalAccessToken token;
        try {
            token = tokens.update(user.userId(), ctx.pathParam("uuid"), label, active);
        } catch (IdentityException e) {
            if (e.reason() == IdentityException.Reason.NOT_FOUND) throw notFound();
            throw e.reason() == IdentityException.Reason.INVALID_INPUT ? invalid(e) : e;
        }
        HubJson.write(ctx, json, 200, view(token, ""));
    }

    void delete(Context ctx) {
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        if (!tokens.delete(user.userId(), ctx.pathParam("uuid"))) throw notFound();
        ctx.status(204);
    }

    private static HubException invalid(IdentityException e) {
        return HubException.invalidInput(e, null, "token_label", "scopes", "expires_at");
    }

    private static HubException notFound() {
        return new HubException(HubError.NOT_FOUND, "Access token not found");
    }

    /** The contract's {@code accessToken}; {@code expires_at} only when set (the contract does not allow null). */
    private static Map<String, Object> view(PersonalAccessToken t, String secret) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("uuid", t.uuid());
        out.put("client_id", t.clientId());
        out.put("creator_ip", t.creatorIp());
        out.put("creator_ua", t.creatorUa());
        out.put("created_at", HubJson.time(t.createdAt()));
        out.put("last_used", HubJson.time(t.lastUsed()));
        out.put("generated_by", t.generatedBy());
        out.put("is_active", t.isActive());
        out.put("token", secret);
        out.put("token_label", t.tokenLabel());
        out.put("scopes", t.scopes());
        if (t.expiresAt() != null) out.put("expires_at", HubJson.time(t.expiresAt()));
        return out;
    }
}
