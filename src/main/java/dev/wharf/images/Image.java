package dev.wharf.images;

import dev.wharf.model.Digest;
import dev.wharf.storage.meta.ImageTag;
import java.time.Instant;
import java.util.List;

/**
 * An image as the images list shows it. {@code repository} is the name inside {@code namespace}, as in Docker
 * Hub; {@code lastPulled} is null until the first pull; {@code active} was judged against the request's
 * {@code active_from}.
 */
public record Image(String namespace, String repository, Digest digest, List<ImageTag> tags, Instant lastPushed,
        Instant lastPulled, boolean active) {

    public Image {
        tags = List.copyOf(tags);
    }
}
