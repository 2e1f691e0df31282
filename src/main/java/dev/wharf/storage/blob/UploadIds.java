package dev.wharf.storage.blob;

import java.util.regex.Pattern;

/**
 * The one rule for upload ids, shared by every {@link BlobStore}: ids become path segments and object keys,
 * so anything outside {@code [A-Za-z0-9-]{1,64}} (slashes, dots, empty) is rejected before it reaches storage.
 */
final class UploadIds {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9-]{1,64}");

    private UploadIds() {}

    static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /** Returns {@code id} unchanged, or throws IllegalArgumentException when it is not a valid upload id. */
    static String requireValid(String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException("invalid upload id: " + id);
        }
        return id;
    }
}
