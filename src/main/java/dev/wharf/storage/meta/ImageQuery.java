package dev.wharf.storage.meta;

import java.time.Instant;
import java.util.Objects;

/**
 * What {@link MetadataStore#listImages} returns: the images of one repository, optionally only active ones
 * (last activity at or after {@code activeFrom}) or inactive ones, optionally only those with (or without) a
 * current tag, in one of four orders, one offset/limit page at a time.
 *
 * @param status null for every image
 * @param currentlyTagged null for tagged and untagged alike
 */
public record ImageQuery(String repository, Instant activeFrom, Status status, Boolean currentlyTagged, Order order,
        int offset, int limit) {

    public enum Status { ACTIVE, INACTIVE }

    /** Ties in last activity are broken by digest in the same direction, so pages never overlap. */
    public enum Order { LAST_ACTIVITY, LAST_ACTIVITY_DESC, DIGEST, DIGEST_DESC }

    public ImageQuery {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(activeFrom, "activeFrom");
        Objects.requireNonNull(order, "order");
        if (offset < 0 || limit < 0) throw new IllegalArgumentException("offset and limit must not be negative");
    }
}
