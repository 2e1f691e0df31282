package dev.wharf.storage.meta;

import dev.wharf.model.Digest;
import java.util.List;

/**
 * A manifest referenced blobs that the repository does not hold. Child manifests of an index may be missing (a
 * sparse index), so they are never the cause.
 */
public class MissingReferencesException extends RuntimeException {
    private final List<Digest> missingBlobs;

    public MissingReferencesException(List<Digest> missingBlobs) {
        super("missing blobs " + missingBlobs);
        this.missingBlobs = List.copyOf(missingBlobs);
    }

    public List<Digest> missingBlobs() {
        return missingBlobs;
    }
}
