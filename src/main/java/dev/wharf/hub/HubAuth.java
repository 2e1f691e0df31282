package dev.wharf.hub;

import dev.wharf.audit.AuditContext;
import dev.wharf.auth.AccessScope;
import dev.wharf.auth.Principal;
import dev.wharf.auth.token.BrowserSession;
import dev.wharf.auth.token.SessionTokens;
import io.javalin.http.Context;
import java.util.Optional;

/**
 * Who is calling a Hub endpoint: the principal of an {@code Authorization: Bearer <session JWT>} header (as
 * {@code POST /v2/users/login} issued it; Docker Hub's older {@code JWT <token>} form too), re-checked against the
 * current state of its account or access token on every request. Resolved once per request and remembered.
 */
public final class HubAuth {
    private static final String ATTRIBUTE = "wharf.hub.principal";

    private final SessionTokens sessions;

    public HubAuth(SessionTokens sessions) {
        this.sessions = sessions;
    }

    /** The caller, or empty without a header or with a token that does not verify. */
    public Optional<Principal> resolve(Context ctx) {
        Resolved cached = ctx.attribute(ATTRIBUTE);
        if (cached == null) {
            cached = new Resolved(credential(ctx).flatMap(sessions::verify));
            ctx.attribute(ATTRIBUTE, cached);
            cached.principal().ifPresent(p -> AuditContext.setActor(actorName(p)));
        }
        return cached.principal();
    }

    /** The name audit events carry for changes a principal makes. */
    public static String actorName(Principal p) {
        return switch (p) {
            case Principal.UserPrincipal u -> u.username();
            case Principal.PersonalToken t -> t.user().username();
            case Principal.OrgToken o -> o.org();
            case Principal.Anonymous a -> "anonymous";
        };
    }

    /** @throws HubException NOT_AUTHENTICATED without credentials, INVALID_TOKEN with unusable ones */
    public Principal require(Context ctx) {
        if (credential(ctx).isEmpty()) throw new HubException(HubError.NOT_AUTHENTICATED);
        return resolve(ctx).orElseThrow(() -> new HubException(HubError.INVALID_TOKEN));
    }

    /**
     * The caller on an endpoint that also serves anonymous callers: anonymous without an Authorization header,
     * but a header that does not verify is a 401, never a silent downgrade.
     */
    public Principal optional(Context ctx) {
        if (ctx.header("Authorization") == null && credential(ctx).isEmpty()) return Principal.ANONYMOUS;
        return require(ctx);
    }

    /** The user behind a principal (a personal access token's owner), or null for organization tokens. */
    public static Principal.UserPrincipal userOf(Principal p) {
        return switch (p) {
            case Principal.UserPrincipal u -> u;
            case Principal.PersonalToken t -> t.user();
            default -> null;
        };
    }

    /**
     * Refuses a session whose credential's scope does not reach {@code needed} for something beyond repositories
     * (see {@link Principal#scopeAllows}); repositories are {@code Permissions}' business.
     *
     * @param what what the caller tried, e.g. "changing an organization's members"
     * @throws HubException INSUFFICIENT_SCOPE (403)
     */
    public static void requireScope(Principal principal, AccessScope needed, String what) {
        if (principal.scopeAllows(needed)) return;
        String has = switch (principal) {
            case Principal.PersonalToken t -> "a personal access token with " + t.scope().wireName();
            case Principal.OrgToken o -> "an organization access token";
            default -> "no credential that allows it";
        };
        throw new HubException(HubError.INSUFFICIENT_SCOPE, "This session comes from " + has + "; " + what
                + " needs " + needed.wireName() + " or a password session");
    }

    /**
     * A person who logged in with their password (and second factor). Sessions made from a personal or an
     * organization access token are refused with a 401 (the contract documents no 403 on these operations, and
     * the remedy is to authenticate differently): a leaked token must not be able to mint further tokens,
     * change the second factor, or outlive its own revocation through a token it created.
     */
    public Principal.UserPrincipal requireUserSession(Context ctx) {
        if (require(ctx) instanceof Principal.UserPrincipal user) return user;
        throw new HubException(HubError.USER_SESSION_REQUIRED);
    }

    /** The bearer token of the Authorization header; without that header, the console's session cookie. */
    private static Optional<String> credential(Context ctx) {
        if (ctx.header("Authorization") != null) return bearer(ctx);
        String cookie = ctx.cookie(BrowserSession.COOKIE);
        return switch (BrowserSession.check(cookie, ctx.method().name(), ctx.header(BrowserSession.CSRF_HEADER))) {
            case NONE -> Optional.empty();
            case USABLE -> Optional.of(cookie);
            case CSRF_REFUSED -> throw new HubException(HubError.CSRF_REFUSED);
        };
    }

    private static Optional<String> bearer(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null) return Optional.empty();
        for (String scheme : new String[] {"Bearer ", "JWT "}) {
            if (header.regionMatches(true, 0, scheme, 0, scheme.length())) {
                String token = header.substring(scheme.length()).strip();
                return token.isEmpty() ? Optional.empty() : Optional.of(token);
            }
        }
        return Optional.empty();
    }

    private record Resolved(Optional<Principal> principal) {}
}
