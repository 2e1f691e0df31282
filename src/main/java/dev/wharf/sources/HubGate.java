package dev.wharf.sources;

import dev.wharf.auth.AccessScope;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.NamespaceKind;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.Principal;
import dev.wharf.auth.token.SessionTokens;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a request's bearer token (a Wharf Hub session JWT) and {@code X-Hub-Id} header (an organization, or the
 * caller's own user name) into a {@link Caller}. A hub the caller does not belong to answers exactly like a hub
 * that does not exist, so hub names cannot be probed.
 *
 * <p>A session made from a personal access token acts as its user capped by the token's scope (the caller keeps
 * the principal; each {@link Operation} names the scope it needs). Nothing here is public, so a
 * {@code repo:public_read} session is refused outright, before any hub is looked up. Organization tokens and
 * anonymous sessions are refused too: a hub's sources act as a member of it, and an organization token stands
 * for no member.
 */
public final class HubGate {
    private static final Set<Capability> EVERYTHING = EnumSet.allOf(Capability.class);
    private static final Set<Capability> READ_ONLY = EnumSet.of(Capability.SOURCES_VIEW, Capability.IMAGES_VIEW,
            Capability.JOBS_VIEW);

    private final SessionTokens sessions;
    private final AccountService accounts;

    public HubGate(SessionTokens sessions, AccountService accounts) {
        this.sessions = sessions;
        this.accounts = accounts;
    }

    public Caller authenticate(String authorization, String hubHeader) {
        Principal principal = principal(authorization);
        Principal.UserPrincipal user = principal instanceof Principal.PersonalToken t ? t.user()
                : (Principal.UserPrincipal) principal;
        if (!principal.scopeAllows(AccessScope.READ)) {
            throw new CycleException(CycleError.PERMISSIONS, "this session comes from a personal access token with "
                    + AccessScope.PUBLIC_READ.wireName() + ", which reads public repositories only; /v1/ needs "
                    + AccessScope.READ.wireName() + " or higher (see docs/scopes.md)");
        }
        if (hubHeader == null || hubHeader.isBlank()) {
            throw CycleException.invalid(null, "the X-Hub-Id header is required: an organization or your user name");
        }
        String hub = hubHeader.strip().toLowerCase(Locale.ROOT);
        if (user.username().equals(hub)) return caller(principal, user, hub, "owner", EVERYTHING);
        Optional<NamespaceKind> kind = accounts.namespaceKind(hub);
        if (kind.isEmpty() || kind.get() != NamespaceKind.ORG) {
            if (user.admin() && kind.isPresent()) return caller(principal, user, hub, "owner", EVERYTHING);
            throw new CycleException(CycleError.HUB_NOT_FOUND, "no hub named " + hub + " that you belong to");
        }
        if (user.admin()) return caller(principal, user, hub, "owner", EVERYTHING);
        Optional<OrgRole> role = accounts.organizations().roleOf(hub, user.userId());
        if (role.isEmpty()) throw new CycleException(CycleError.HUB_NOT_FOUND, "no hub named " + hub
                + " that you belong to");
        Set<Capability> caps = role.get() == OrgRole.MEMBER ? READ_ONLY : EVERYTHING;
        return caller(principal, user, hub, role.get().wireName(), caps);
    }

    private static Caller caller(Principal principal, Principal.UserPrincipal user, String hub, String role,
            Set<Capability> capabilities) {
        return new Caller(user.userId(), user.username(), hub, role, capabilities, principal);
    }

    /** A user's session, or a personal access token's; organization tokens and anonymous sessions are refused. */
    private Principal principal(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new CycleException(CycleError.AUTH_INVALID, "send Authorization: Bearer <Wharf session token>");
        }
        Optional<Principal> principal = sessions.verify(authorization.substring(7).strip());
        return switch (principal.orElse(Principal.ANONYMOUS)) {
            case Principal.UserPrincipal u -> u;
            case Principal.PersonalToken t -> t;
            default -> throw new CycleException(CycleError.AUTH_INVALID,
                    "the bearer token is not a valid, current Wharf user session");
        };
    }
}
