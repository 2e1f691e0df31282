package dev.wharf.content;

import dev.wharf.model.Digest;
import dev.wharf.model.RepositoryName;
import dev.wharf.model.Tag;

/** Validation of client-supplied names, digests and tags, turned into the spec's error codes. */
public final class Names {
    private Names() {}

    public static void requireRepository(String name) {
        if (!RepositoryName.isValid(name)) {
            throw new RegistryException(OciError.NAME_INVALID, "invalid repository name", name);
        }
    }

    public static Digest requireDigest(String text) {
        try {
            return Digest.parse(text);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(OciError.DIGEST_INVALID, "invalid digest: only sha256 and sha512 are supported",
                    text);
        }
    }

    public static void requireTag(String tag) {
        if (!Tag.isValid(tag)) {
            throw new RegistryException(OciError.MANIFEST_INVALID, "invalid tag", tag);
        }
    }
}
