package dev.wharf.storage.blob;

import java.io.IOException;

/** An append was attempted at an offset other than the staging area's current size. */
public class UploadOffsetException extends IOException {
    private final long actualSize;

    public UploadOffsetException(String uploadId, long expected, long actualSize) {
        super("upload " + uploadId + " holds " + actualSize + " bytes, append expected " + expected);
        this.actualSize = actualSize;
    }

    public long actualSize() {
        return actualSize;
    }
}
