package dev.wharf.auth.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.Action;
import dev.wharf.auth.BasicCredentials;
import dev.wharf.auth.LoginGuard;
import dev.wharf.auth.Principal;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.model.RepositoryName;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The token endpoint of the Docker registry token specification: {@code GET /token} with optional Basic
 * credentials, and {@code POST /token} with the OAuth2 {@code password} and {@code refresh_token} grants.
 * A request for more than the caller may do is answered with less, not refused: the token lists only the
 * actions granted. Credentials may be a password, a personal access token or an organization access token.
 */
public final class TokenEndpoint {
    public static final String REFRESH_AUDIENCE = "wharf-refresh";
    static final Duration REFRESH_TTL = Duration.ofDays(60);

    private final CachedAuthorization cache;
    private final SessionTokens sessions;
    private final RegistryTokens tokens;
    private final ObjectMapper json;
    private final Clock clock;

    /**
     * @param cache checks secrets (under the login throttle, a correct one cached briefly so that clients asking
     *     for a token per repository do not pay an Argon2 hash each time) and what a principal may do
     */
    public TokenEndpoint(CachedAuthorization cache, SessionTokens sessions, RegistryTokens tokens, ObjectMapper json,
            Clock clock) {
        this.cache = cache;
        this.sessions = sessions;
        this.tokens = tokens;
        this.json = json;
        this.clock = clock;
    }

    public void register(JavalinConfig config) {
        config.routes.get("/token", this::get);
        config.routes.post("/token", this::post);
    }

    private void get(Context ctx) throws Exception {
        if (!serviceMatches(ctx.queryParam("service"))) {
            error(ctx, 400, "invalid_request", "unknown service");
            return;
        }
        Principal principal = Principal.ANONYMOUS;
        String header = ctx.header("Authorization");
        if (BasicCredentials.isBasic(header)) {
            Optional<BasicCredentials> creds = BasicCredentials.fromHeader(header);
            if (creds.isEmpty()) {
                error(ctx, 400, "invalid_request", "malformed Basic credentials");
                return;
            }
            Optional<Principal> p = checkSecret(ctx, creds.get().username(), creds.get().secret());
            if (p.isEmpty()) return;
            principal = p.get();
        }
        List<RegistryScope> granted = grant(principal, RegistryScope.parseAll(ctx.queryParams("scope")));
        Map<String, Object> body = tokenBody(principal, granted);
        body.put("token", body.get("access_token"));
        if ("true".equalsIgnoreCase(ctx.queryParam("offline_token")) && !(principal instanceof Principal.Anonymous)) {
            body.put("refresh_token", sessions.issue(principal, REFRESH_AUDIENCE, REFRESH_TTL));
        }
        ctx.status(200).contentType("application/json").result(json.writeValueAsBytes(body));
    }

    private void post(Context ctx) throws Exception {
        if (!serviceMatches(ctx.formParam("service"))) {
            error(ctx, 400, "invalid_request", "unknown service");
            return;
        }
        if (ctx.formParam("client_id") == null || ctx.formParam("client_id").isBlank()) {
            error(ctx, 400, "invalid_request", "client_id is required");
            return;
        }
        String grantType = ctx.formParam("grant_type");
        Principal principal;
        boolean issueRefresh = false;
        if ("password".equals(grantType)) {
            Optional<Principal> p = checkSecret(ctx, ctx.formParam("username"), ctx.formParam("password"));
            if (p.isEmpty()) return;
            principal = p.get();
            issueRefresh = "offline".equals(ctx.formParam("access_type"));
        } else if ("refresh_token".equals(grantType)) {
            String refresh = ctx.formParam("refresh_token");
            Optional<Principal> p = refresh == null ? Optional.empty() : sessions.verify(refresh, REFRESH_AUDIENCE);
            if (p.isEmpty()) {
                error(ctx, 401, "invalid_grant", "refresh token is invalid or expired");
                return;
            }
            principal = p.get();
        } else {
            error(ctx, 400, "unsupported_grant_type", "grant_type must be password or refresh_token");
            return;
        }
        List<RegistryScope> scopes = new ArrayList<>();
        String scope = ctx.formParam("scope");
        if (scope != null) scopes.addAll(RegistryScope.parseAll(List.of(scope)));
        List<RegistryScope> granted = grant(principal, scopes);
        Map<String, Object> body = tokenBody(principal, granted);
        body.put("scope", String.join(" ", granted.stream().map(RegistryScope::toString).toList()));
        if (issueRefresh) body.put("refresh_token", sessions.issue(principal, REFRESH_AUDIENCE, REFRESH_TTL));
        ctx.status(200).contentType("application/json").result(json.writeValueAsBytes(body));
    }

    /** Checks a secret under the login throttle; on failure writes the response and returns empty. */
    private Optional<Principal> checkSecret(Context ctx, String username, String secret) {
        switch (cache.basic(username, secret, ctx.ip())) {
            case LoginGuard.Attempt.Accepted a -> {
                return Optional.of(a.principal());
            }
            case LoginGuard.Attempt.Locked l -> {
                long seconds = Math.max(1, l.retryAfter().toSeconds());
                ctx.header("Retry-After", String.valueOf(seconds));
                ctx.header("X-Retry-After", String.valueOf(seconds));
                error(ctx, 429, "too_many_requests", "too many failed logins; retry later");
            }
            case LoginGuard.Attempt.Rejected r -> {
                ctx.header("WWW-Authenticate", "Basic realm=\"" + tokens.service() + "\"");
                error(ctx, 401, "invalid_grant", "incorrect username or password");
            }
        }
        return Optional.empty();
    }

    /**
     * The intersection of what was asked and what the principal may do (less pulls an organization's restricted
     * images forbid); unknown kinds are dropped.
     */
    List<RegistryScope> grant(Principal principal, List<RegistryScope> requested) {
        List<RegistryScope> granted = new ArrayList<>();
        for (RegistryScope s : requested) {
            if (s.type().equals("registry") && s.name().equals("catalog")) {
                if (s.actions().contains("*")) granted.add(new RegistryScope("registry", "catalog", Set.of("*")));
                continue;
            }
            if (!s.type().equals("repository") || !RepositoryName.isValid(s.name())) continue;
            Set<Action> allowed = cache.allowed(principal, s.name());
            Set<String> actions = new LinkedHashSet<>();
            for (String a : s.actions()) {
                if (a.equals("*")) {
                    allowed.forEach(x -> actions.add(x.scopeName()));
                } else if (allowed.stream().anyMatch(x -> x.scopeName().equals(a))) {
                    actions.add(a);
                }
            }
            if (!actions.isEmpty()) granted.add(new RegistryScope("repository", s.name(), actions));
        }
        return granted;
    }

    private Map<String, Object> tokenBody(Principal principal, List<RegistryScope> granted) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", tokens.issue(principal, granted));
        body.put("expires_in", tokens.ttl().toSeconds());
        body.put("issued_at", now.toString());
        return body;
    }

    private boolean serviceMatches(String service) {
        return service == null || service.equals(tokens.service());
    }

    /** OAuth2-style error body, which is what token clients (docker, containerd, skopeo) expect here. */
    private void error(Context ctx, int status, String code, String description) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("error_description", description);
        body.put("details", description);
        try {
            ctx.status(status).contentType("application/json").result(json.writeValueAsBytes(body));
        } catch (Exception e) {
            ctx.status(status).result(description);
        }
    }
}
