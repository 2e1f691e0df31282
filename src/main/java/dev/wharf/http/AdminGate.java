package dev.wharf.http;

import dev.wharf.audit.AuditContext;
import dev.wharf.auth.BasicCredentials;
import dev.wharf.auth.CredentialAuthenticator;
import dev.wharf.auth.LoginGuard;
import dev.wharf.auth.Principal;
import dev.wharf.auth.token.BrowserSession;
import dev.wharf.auth.token.SessionTokens;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Optional;

/**
 * Who may use the {@code /admin/…} endpoints ({@code /admin/gc}, {@code /admin/mirrors}): server administrators,
 * whether or not registry auth is on, with HTTP Basic (a password, checked under the login throttle), a Hub
 * session ({@code Authorization: Bearer}) or the console's session cookie (a state-changing request needs its
 * CSRF header, as on the Hub API). Answers are {@code {"message": ...}}: 401 with a Basic challenge, 403, 429.
 */
public record AdminGate(CredentialAuthenticator authenticator, LoginGuard guard, SessionTokens sessions) {

    /**
     * True for a server administrator, who becomes the audit actor of the request; otherwise the 401, 403 or 429
     * is written and the handler stops.
     *
     * @param refusal the 403 message for a caller who is not an administrator
     */
    public boolean admit(Context ctx, String refusal) {
        Optional<Principal> principal = principal(ctx);
        if (principal == null) return false; // answered already
        if (principal.isEmpty()) {
            ctx.header("WWW-Authenticate", "Basic realm=\"wharf admin\"");
            ctx.status(401).json(Map.of("message", "authentication required: an administrator's credentials"));
            return false;
        }
        if (!(principal.get() instanceof Principal.UserPrincipal u) || !u.admin()) {
            ctx.status(403).json(Map.of("message", refusal));
            return false;
        }
        AuditContext.setActor(u.username());
        return true;
    }

    /** The caller, empty when unauthenticated, null when a response (403, 429) was already written. */
    private Optional<Principal> principal(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null) return cookie(ctx);
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

    private Optional<Principal> cookie(Context ctx) {
        String cookie = ctx.cookie(BrowserSession.COOKIE);
        return switch (BrowserSession.check(cookie, ctx.method().name(), ctx.header(BrowserSession.CSRF_HEADER))) {
            case NONE -> Optional.empty();
            case USABLE -> sessions.verify(cookie);
            case CSRF_REFUSED -> {
                ctx.status(403).json(Map.of("message", "the console's CSRF token is missing or wrong"));
                yield null;
            }
        };
    }
}
