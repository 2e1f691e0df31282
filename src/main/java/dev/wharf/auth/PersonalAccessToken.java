package dev.wharf.auth;

import java.time.Instant;
import java.util.List;

/**
 * A personal access token as the Hub API shows it (field for field the {@code accessToken} schema, less the
 * secret, which exists only in {@link CreatedToken}). {@code lastUsed} and {@code expiresAt} may be null.
 */
public record PersonalAccessToken(String uuid, long userId, String username, String tokenLabel, List<String> scopes,
        boolean isActive, Instant createdAt, Instant lastUsed, Instant expiresAt, String generatedBy,
        String creatorIp, String creatorUa, String clientId) {

    public PersonalAccessToken {
        scopes = List.copyOf(scopes);
    }

    /** The highest of the scopes, the one that counts. */
    public AccessScope scope() {
        return AccessScope.highestOf(scopes);
    }
}
