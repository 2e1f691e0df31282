package dev.wharf.storage.meta;

import java.util.List;

/**
 * Result of {@link MetadataStore#deleteImage}: what happened, and the tags that were deleted with the manifest
 * (empty unless {@code DELETED}).
 */
public record ImageDeletion(Result result, List<String> deletedTags) {

    public enum Result {
        DELETED,
        NOT_FOUND,
        /** An index in the same repository lists this manifest; nothing changed. */
        REFERENCED_BY_INDEX,
        /** The manifest was pushed or pulled since the guard's instant: the caller's check is stale. */
        BECAME_ACTIVE,
        /** A tag the guard did not allow points at the manifest now: the caller's check is stale. */
        TAG_NOT_ALLOWED
    }

    public ImageDeletion {
        deletedTags = List.copyOf(deletedTags);
    }

    static ImageDeletion refused(Result result) {
        return new ImageDeletion(result, List.of());
    }
}
