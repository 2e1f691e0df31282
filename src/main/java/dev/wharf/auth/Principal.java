package dev.wharf.auth;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Who is asking: nobody, a user (password or session), a personal access token, or an organization token. A
 * principal carries its credential's limits (a personal token's scope, an organization token's resources) to
 * every surface: the registry and the Hub's repository endpoints ask {@link Permissions}; everything else an
 * account owns (hubs on {@code /v1/}, organization management) asks {@link #scopeAllows} or
 * {@link OrgToken#grants}. The table of what each scope allows is docs/scopes.md.
 */
public sealed interface Principal {

    /**
     * Whether this credential may do something that needs {@code needed} to what its account owns beyond
     * repositories (a hub's sources, images and jobs; an organization's settings, members and groups). This caps
     * the credential only: the user's role there is checked separately. A password session is never capped; a
     * personal access token is capped by its scope ({@code repo:public_read} therefore reaches none of it, since
     * operations need at least {@code repo:read}); organization tokens answer through {@link OrgToken#grants}
     * instead, and anonymous callers own nothing.
     */
    default boolean scopeAllows(AccessScope needed) {
        return switch (this) {
            case UserPrincipal u -> true;
            case PersonalToken t -> t.scope().allows(needed);
            case OrgToken o -> false;
            case Anonymous a -> false;
        };
    }

    /** No credentials: may pull public repositories. */
    record Anonymous() implements Principal {}

    Anonymous ANONYMOUS = new Anonymous();

    /** A user who proved their password (and second factor, if enabled). */
    record UserPrincipal(long userId, String username, boolean admin) implements Principal {
        public UserPrincipal {
            Objects.requireNonNull(username, "username");
        }
    }

    /**
     * A user acting through a personal access token: the user's rights, capped by {@code scope}. The token's
     * state is carried so that {@link Permissions} refuses a token that is inactive or expired even if the
     * caller authenticated it earlier (a token cached in a session, say).
     */
    record PersonalToken(UserPrincipal user, AccessScope scope, String tokenUuid, boolean active, Instant expiresAt)
            implements Principal {
        public PersonalToken {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(scope, "scope");
        }
    }

    /** An organization access token: only its resources, only in its organization (plus public pulls). */
    record OrgToken(String org, List<OrgTokenResource> resources, String tokenUuid, boolean active,
            Instant expiresAt) implements Principal {
        public OrgToken {
            Objects.requireNonNull(org, "org");
            resources = List.copyOf(resources);
        }

        /**
         * Whether the token holds the organization scope {@code scope} (see {@link OrgTokenResource}), or one that
         * includes it, for {@code organization}; never for another organization.
         */
        public boolean grants(String organization, String scope) {
            return active && org.equals(organization) && resources.stream().anyMatch(r -> r.grantsOrgScope(scope));
        }
    }
}
