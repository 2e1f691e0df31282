package dev.wharf.storage.meta;

import dev.wharf.model.Digest;
import java.time.Instant;
import java.util.List;

/**
 * One image of a repository as the image-management API shows it: a manifest that no index in the same
 * repository lists (children are part of their index, not images of their own).
 *
 * @param lastPulled null until the first recorded GET
 * @param lastActivity the later of {@code pushedAt} and {@code lastPulled}
 * @param tags its current tags, then the tags that pointed at it once and no longer do, each in byte order
 */
public record ImageRecord(Digest digest, String mediaType, Instant pushedAt, Instant lastPulled,
        Instant lastActivity, List<ImageTag> tags) {

    public ImageRecord {
        tags = List.copyOf(tags);
    }
}
