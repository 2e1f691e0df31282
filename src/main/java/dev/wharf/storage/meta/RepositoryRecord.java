package dev.wharf.storage.meta;

import java.time.Instant;

public record RepositoryRecord(long id, String name, Instant createdAt) {}
