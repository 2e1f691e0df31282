package dev.wharf.storage.meta;

import dev.wharf.model.Digest;
import java.util.List;

/**
 * A parsed, validated manifest ready to store.
 *
 * @param content the exact bytes pushed (served back unchanged)
 * @param artifactType the manifest's artifactType, or its config media type for images (null if none)
 * @param blobs digests of the config and layers (images) — must be linked to the repository
 * @param children digests of the manifests an index lists — may be absent from the repository (sparse index)
 * @param subject the {@code subject} descriptor's digest, or null
 * @param annotationsJson the manifest's annotations as a JSON object, or null
 * @param totalSize content length plus config and layer sizes (images) — what "image size" means in the APIs
 */
public record ManifestWrite(
        Digest digest,
        String mediaType,
        String artifactType,
        byte[] content,
        List<Digest> blobs,
        List<Digest> children,
        Digest subject,
        String annotationsJson,
        long totalSize) {}
