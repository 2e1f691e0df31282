package dev.wharf.auth;

import java.time.Instant;

public record Organization(long id, String name, Instant createdAt) {}
