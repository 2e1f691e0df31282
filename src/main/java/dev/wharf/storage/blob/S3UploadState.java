package dev.wharf.storage.blob;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What one upload consists of, kept as {@code uploads/<id>/state.json} so any node can continue it: the full parts
 * already in the bucket (with the ETags they were stored under) and the tail after them. Every append that adds
 * bytes writes a new state with a new {@code revision}; writing the state object is the append's commit point.
 *
 * @param size      bytes in the upload: the parts' sizes plus {@code tailSize}
 * @param revision  identifies the append that wrote this state, and names its tail object
 * @param parts     full parts in order
 * @param tailSize  bytes in the tail object {@code tail-<revision>}; 0 means there is no tail object
 * @param tailEtag  that object's ETag, or null when there is none
 */
record S3UploadState(long size, String revision, List<Part> parts, long tailSize, String tailEtag) {
    /** A full part: object {@code part-<number>-<revision>}. */
    record Part(int number, String revision, long size, String etag) {}

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false); // newer nodes may add fields

    S3UploadState {
        parts = parts == null ? List.of() : List.copyOf(parts);
    }

    static S3UploadState empty() {
        return new S3UploadState(0, newRevision(), List.of(), 0, null);
    }

    static String newRevision() {
        return UUID.randomUUID().toString();
    }

    /** The state after an append that left {@code allParts} and a tail of {@code newTailSize} bytes. */
    S3UploadState next(String newRevision, List<Part> allParts, long newTailSize, String newTailEtag) {
        long total = newTailSize;
        for (Part p : allParts) total += p.size();
        return new S3UploadState(total, newRevision, new ArrayList<>(allParts), newTailSize, newTailEtag);
    }

    byte[] toJson() throws IOException {
        return JSON.writeValueAsBytes(this);
    }

    static S3UploadState fromJson(String uploadId, byte[] json) throws IOException {
        try {
            S3UploadState state = JSON.readValue(json, S3UploadState.class);
            if (state.revision() == null) throw new IOException("fields missing");
            return state;
        } catch (IOException e) {
            throw new IOException("upload " + uploadId + " has an unreadable state object: " + e.getMessage(), e);
        }
    }
}
