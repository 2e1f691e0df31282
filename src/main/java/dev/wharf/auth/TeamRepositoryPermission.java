package dev.wharf.auth;

/** One grant: members of {@code team} (of {@code org}) have {@code permission} on {@code repository}. */
public record TeamRepositoryPermission(String org, String team, long teamId, String repository,
        TeamPermission permission) {}
