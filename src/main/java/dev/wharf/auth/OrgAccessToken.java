package dev.wharf.auth;

import java.time.Instant;
import java.util.List;

/**
 * An organization access token as the Hub API shows it ({@code orgAccessToken} plus its resources), without
 * the secret. {@code createdBy} is a username, null if that user was deleted.
 */
public record OrgAccessToken(String id, String org, String label, String description, String createdBy,
        boolean isActive, Instant createdAt, Instant lastUsedAt, Instant expiresAt, List<OrgTokenResource> resources) {

    public OrgAccessToken {
        resources = List.copyOf(resources);
    }
}
