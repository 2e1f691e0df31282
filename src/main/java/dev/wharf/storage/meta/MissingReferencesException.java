package dev.wharf.storage.meta;

import dev.wharf.model.Digest;
import java.util.List;

/** A manifest referenced blobs or child manifests that the repository does not hold. */
public class MissingReferencesException extends RuntimeException {
    private final List<Digest> missingBlobs;
    private final List<Digest> missingManifests;

    public MissingReferencesException(List<Digest> missingBlobs, List<Digest> missingManifests) {
        super("missing blobs " + missingBlobs + ", missing manifests " + missingManifests);
        this.missingBlobs = List.copyOf(missingBlobs);
        this.missingManifests = List.copyOf(missingManifests);
    }

    public List<Digest> missingBlobs() {
        return missingBlobs;
    }

    public List<Digest> missingManifests() {
        return missingManifests;
    }
}
