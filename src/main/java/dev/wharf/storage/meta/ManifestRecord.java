package dev.wharf.storage.meta;

import dev.wharf.model.Digest;
import java.time.Instant;

/** A stored manifest with its statistics. {@code lastPulled} is null until the first GET. */
public record ManifestRecord(
        String repository,
        Digest digest,
        String mediaType,
        String artifactType,
        byte[] content,
        Digest subject,
        String annotationsJson,
        long totalSize,
        Instant pushedAt,
        Instant lastPulled,
        long pullCount) {}
