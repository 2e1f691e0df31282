package dev.wharf.images;

import java.util.List;

/**
 * The body of {@code POST /v2/namespaces/{namespace}/delete-images}. Repositories are named inside the path's
 * namespace ({@code app}); the full name ({@code acme/app}) is accepted too when its namespace is the path's.
 *
 * @param activeFrom RFC 3339 or null (one month ago)
 */
public record DeleteImagesRequest(boolean dryRun, String activeFrom, List<ManifestRef> manifests,
        List<IgnoredWarning> ignoreWarnings) {

    public record ManifestRef(String repository, String digest) {}

    /**
     * A warning the caller accepts. For {@code current_tag}, {@code tags} lists the tags that may be deleted with
     * the image; null accepts whatever tags the image has when it is deleted.
     */
    public record IgnoredWarning(String repository, String digest, String warning, List<String> tags) {}

    public DeleteImagesRequest {
        manifests = manifests == null ? List.of() : List.copyOf(manifests);
        ignoreWarnings = ignoreWarnings == null ? List.of() : List.copyOf(ignoreWarnings);
    }
}
