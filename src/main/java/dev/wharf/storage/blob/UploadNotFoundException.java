package dev.wharf.storage.blob;

import java.io.IOException;

/** Thrown by a {@link BlobStore} when the addressed Upload does not exist. */
public class UploadNotFoundException extends IOException {
    public UploadNotFoundException(String what) {
        super(what + " not found");
    }
}
