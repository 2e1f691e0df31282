package dev.wharf.sources;

import dev.wharf.auth.AccountService;
import dev.wharf.auth.NamespaceKind;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.Principal;
import dev.wharf.auth.token.SessionTokens;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a request's bearer token (a Wharf Hub session JWT) and {@code X-Hub-Id} header (an organization, or the
 * caller's own user name) into a {@link Caller}. A hub the caller does not belong to answers exactly like a hub
 * that does not exist, so hub names cannot be probed.
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
        Principal.UserPrincipal user = user(authorization);
        if (hubHeader == null || hubHeader.isBlank()) {
            throw CycleException.invalid(null, "the X-Hub-Id header is required: an organization or your user name");
        }
        String hub = hubHeader.strip().toLowerCase(java.util.Locale.ROOT);
        if (user.username().equals(hub)) return new Caller(user.userId(), user.username(), hub, "owner", EVERYTHING);
        Optional<NamespaceKind> kind = accounts.namespaceKind(hub);
        if (kind.isEmpty() || kind.get() != NamespaceKind.ORG) {
            if (user.admin() && kind.isPresent()) return admin(user, hub);
            throw new CycleException(CycleError.HUB_NOT_FOUND, "no hub named " + hub + " that you belong to");
        }
        if (user.admin()) return admin(user, hub);
        Optional<OrgRole> role = accounts.roleOf(hub, user.userId());
        if (role.isEmpty()) throw new CycleException(CycleError.HUB_NOT_FOUND, "no hub named " + hub
                + " that you belong to");
        Set<Capability> caps = role.get() == OrgRole.MEMBER ? READ_ONLY : EVERYTHING;
        return new Caller(user.userId(), user.username(), hub, role.get().wireName(), caps);
    }

    private static Caller admin(Principal.UserPrincipal user, String hub) {
        return new Caller(user.userId(), user.username(), hub, "owner", EVERYTHING);
    }

    /**
     * Only users act on this surface: a personal access token's session stands for its user (its registry
     * scopes concern repositories, not hubs); organization tokens and anonymous sessions are refused.
     */
    private Principal.UserPrincipal user(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new CycleException(CycleError.AUTH_INVALID, "send Authorization: Bearer <Wharf session token>");
        }
        Optional<Principal> principal = sessions.verify(authorization.substring(7).strip());
        return switch (principal.orElse(Principal.ANONYMOUS)) {
            case Principal.UserPrincipal u -> u;
            case Principal.PersonalToken t -> t.user();
            default -> throw new CycleException(CycleError.AUTH_INVALID,
                    "the bearer token is not a valid, current Wharf user session");
        };
    }
}
