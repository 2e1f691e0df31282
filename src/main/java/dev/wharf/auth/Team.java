package dev.wharf.auth;

import java.time.Instant;

/** A team ("group" in the Hub API) of an organization. */
public record Team(long id, String org, String name, String description, Instant createdAt, long memberCount) {}
