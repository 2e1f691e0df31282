package dev.wharf.auth;

import java.time.Instant;

/** A user account as the API may show it: never the password hash or any second-factor secret. */
public record User(long id, String username, String email, boolean admin, Instant createdAt, boolean totpEnabled) {

    /** The identity used by {@link Permissions}. */
    public Principal.UserPrincipal principal() {
        return new Principal.UserPrincipal(id, username, admin);
    }
}
