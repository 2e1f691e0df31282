package dev.wharf.storage.meta;

import java.time.Instant;

/** An upload in progress. Its bytes live in the blob store's staging area under the same id. */
public record UploadSession(String id, String repository, Instant startedAt, Instant lastActivity) {}
