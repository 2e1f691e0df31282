package dev.wharf.console;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.Organization;
import dev.wharf.auth.Principal;
import dev.wharf.auth.TwoFactorService;
import dev.wharf.auth.token.BrowserSession;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.hub.HubAuth;
import dev.wharf.hub.HubError;
import dev.wharf.hub.HubException;
import dev.wharf.hub.LoginEndpoint;
import io.javalin.http.Context;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The console's sign-in, session and sign-out ({@code /console/api/session}). Sign-in runs the Hub's own login
 * steps (password, then the second factor when the account has one; same throttle, same errors) and puts the
 * session JWT into an {@code HttpOnly} cookie; the body returns only the CSRF token the console sends back on
 * every state-changing request (see {@link BrowserSession}). Failures are Hub error bodies.
 */
final class SessionEndpoint {
    private final LoginEndpoint logins;
    private final SessionTokens sessions;
    private final AccountService accounts;
    private final TwoFactorService twoFactor;
    private final ObjectMapper json;

    SessionEndpoint(LoginEndpoint logins, SessionTokens sessions, AccountService accounts,
            TwoFactorService twoFactor, ObjectMapper json) {
        this.logins = logins;
        this.sessions = sessions;
        this.accounts = accounts;
        this.twoFactor = twoFactor;
        this.json = json;
    }

    /** {@code {"username", "password"}} → 200 session, or 401 with {@code login_2fa_token}. */
    void signIn(Context ctx) {
        requireSameOriginJson(ctx);
        start(ctx, logins.passwordLogin(ctx));
    }

    /** {@code {"login_2fa_token", "code"}} → 200 session. */
    void secondFactor(Context ctx) {
        requireSameOriginJson(ctx);
        start(ctx, logins.secondFactorLogin(ctx));
    }

    /** 200 who is signed in, with the CSRF token; 401 without a live session. */
    void current(Context ctx) {
        String token = ctx.cookie(BrowserSession.COOKIE);
        if (token == null || token.isBlank()) throw new HubException(HubError.NOT_AUTHENTICATED);
        Principal principal = sessions.verify(token).orElseThrow(() -> new HubException(HubError.INVALID_TOKEN));
        write(ctx, 200, describe(principal, token));
    }

    /**
     * Revokes the session and clears the cookie (204). With a cookie present the CSRF header is required, as on
     * every change.
     */
    void signOut(Context ctx) {
        String token = ctx.cookie(BrowserSession.COOKIE);
        if (BrowserSession.check(token, ctx.method().name(), ctx.header(BrowserSession.CSRF_HEADER))
                == BrowserSession.Presented.CSRF_REFUSED) {
            throw new HubException(HubError.CSRF_REFUSED);
        }
        // revoke the session server-side: a copy of the cookie must not keep working after sign-out
        if (token != null && !token.isBlank()) sessions.end(token);
        ctx.header("Set-Cookie", cookie("", 0, secure(ctx)));
        ctx.status(204);
    }

    private void start(Context ctx, String token) {
        Principal principal = sessions.verify(token).orElseThrow(() -> new HubException(HubError.INVALID_TOKEN));
        ctx.header("Set-Cookie", cookie(token, SessionTokens.SESSION_TTL.toSeconds(), secure(ctx)));
        write(ctx, 200, describe(principal, token));
    }

    private Map<String, Object> describe(Principal principal, String token) {
        Map<String, Object> body = new LinkedHashMap<>();
        Principal.UserPrincipal user = HubAuth.userOf(principal);
        body.put("username", HubAuth.actorName(principal));
        body.put("kind", switch (principal) {
            case Principal.UserPrincipal u -> "user";
            case Principal.PersonalToken t -> "personal_access_token";
            case Principal.OrgToken o -> "organization_access_token";
            case Principal.Anonymous a -> "anonymous";
        });
        body.put("admin", user != null && user.admin());
        // What the credential is capped to (docs/scopes.md): a personal token's scope; null when not capped by one.
        body.put("scope", principal instanceof Principal.PersonalToken t ? t.scope().wireName() : null);
        List<String> namespaces = new ArrayList<>();
        if (user != null) {
            namespaces.add(user.username());
            accounts.organizations().organizationsOf(user.userId()).stream().map(Organization::name)
                    .forEach(namespaces::add);
            body.put("two_factor_enabled", twoFactor.isEnabled(user.userId()));
        } else if (principal instanceof Principal.OrgToken o) {
            namespaces.add(o.org());
        }
        body.put("namespaces", namespaces);
        body.put("csrf_token", BrowserSession.csrfToken(token));
        return body;
    }

    /**
     * Sign-in sets a cookie, so another site must not be able to sign a browser in to an account of its choosing:
     * a JSON content type cannot be sent cross-site without a CORS preflight (which Wharf never grants), and an
     * Origin header, when the browser sends one, must be this host.
     */
    private static void requireSameOriginJson(Context ctx) {
        String type = ctx.contentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw HubException.invalid("send the body as application/json", Map.of());
        }
        String origin = ctx.header("Origin");
        if (origin != null && !origin.equals("null")) {
            String host = ctx.header("Host");
            String bare = origin.replaceFirst("^https?://", "");
            if (host == null || !bare.equalsIgnoreCase(host)) throw new HubException(HubError.CSRF_REFUSED,
                    "sign-in is only accepted from the console's own origin");
        } else if ("null".equals(origin)) {
            throw new HubException(HubError.CSRF_REFUSED, "sign-in is only accepted from the console's own origin");
        }
    }

    /** Over TLS, or behind a proxy that says the client used TLS, the cookie is never sent in the clear. */
    static boolean secure(Context ctx) {
        return "https".equalsIgnoreCase(ctx.scheme())
                || "https".equalsIgnoreCase(ctx.header("X-Forwarded-Proto"));
    }

    static String cookie(String value, long maxAgeSeconds, boolean secure) {
        return BrowserSession.COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds
                + "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
    }

    private void write(Context ctx, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
