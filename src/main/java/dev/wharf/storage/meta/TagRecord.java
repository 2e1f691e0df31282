package dev.wharf.storage.meta;

import dev.wharf.model.Digest;
import java.time.Instant;

/**
 * A current tag with the manifest it points at: when the tag last moved ({@code updatedAt}), the manifest's media
 * type, total size, push time, pull count and last pull (null when never pulled).
 */
public record TagRecord(String name, Digest digest, Instant updatedAt, String mediaType, long size, Instant pushedAt,
        long pullCount, Instant lastPulled) {}
