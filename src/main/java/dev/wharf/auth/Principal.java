package dev.wharf.auth;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** Who is asking: nobody, a user (password or session), a personal access token, or an organization token. */
public sealed interface Principal {

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
    }
}
