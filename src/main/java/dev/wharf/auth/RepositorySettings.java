package dev.wharf.auth;

import java.time.Instant;

/** A repository's stored privacy. {@code createdBy} is null when unknown or the user was deleted. */
public record RepositorySettings(String repository, boolean isPrivate, Long createdBy, Instant createdAt,
        Instant updatedAt) {}
