package dev.wharf.content;

import dev.wharf.model.Digest;
import java.util.List;

/**
 * What the registry needs to know about a pushed manifest.
 *
 * @param blobs config and layer digests that must already be in the repository
 * @param children manifests an index lists, which must already be in the repository
 * @param referencedSize sum of the sizes of the config, layers, or child manifests as declared
 */
public record ParsedManifest(
        String mediaType,
        String artifactType,
        List<Digest> blobs,
        List<Digest> children,
        Digest subject,
        String annotationsJson,
        long referencedSize) {}
