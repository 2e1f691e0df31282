package dev.wharf.storage.blob;

import java.io.IOException;

/** Thrown by a {@link BlobStore} when the addressed Blob does not exist. */
public class BlobNotFoundException extends IOException {
    public BlobNotFoundException(String what) {
        super(what + " not found");
    }
}
