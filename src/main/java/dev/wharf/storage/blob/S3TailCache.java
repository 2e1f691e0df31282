package dev.wharf.storage.blob;

import dev.wharf.storage.PrivateFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's local copies of upload tails (the bytes after the last full part), so consecutive appends on one
 * node do not download the tail they just uploaded. A copy is trusted only while it matches the revision of the
 * upload's state: when another node appended in between, the caller downloads the current tail instead.
 *
 * <p>The tail is buffered on disk, never in memory: it grows to a part size (5 MiB or more) per upload, times the
 * uploads in flight.
 */
final class S3TailCache {
    /** Fetches the committed tail object into a local file. */
    interface Download {
        void into(Path file) throws IOException;
    }

    private final Path dir;
    /** Upload id → revision of the state whose tail the local file holds. */
    private final Map<String, String> revisions = new ConcurrentHashMap<>();

    /** Creates {@code dir}; files left by an earlier process are removed because nothing vouches for them. */
    S3TailCache(Path dir) throws IOException {
        this.dir = dir;
        PrivateFiles.createDirectories(dir);
        try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "*.tail")) {
            for (Path f : old) Files.deleteIfExists(f);
        }
    }

    /**
     * A local file holding exactly the committed tail of {@code state}: this node's copy when it is current,
     * else a fresh download (or an empty file when the state has no tail). The caller may write to it and must
     * then call {@link #keep} after committing, or {@link #discard} on failure.
     */
    Path checkout(String uploadId, S3UploadState state, Download download) throws IOException {
        Path file = file(uploadId);
        if (state.revision().equals(revisions.get(uploadId)) && sizeOf(file) == state.tailSize()) return file;
        revisions.remove(uploadId);
        Files.deleteIfExists(file);
        if (state.tailSize() == 0) {
            PrivateFiles.createFile(file);
        } else {
            download.into(file);
            long got = sizeOf(file);
            if (got != state.tailSize()) {
                Files.deleteIfExists(file);
                throw new IOException("upload " + uploadId + ": tail object holds " + got + " bytes, state says "
                        + state.tailSize());
            }
        }
        return file;
    }

    /** Records that the local file now holds the tail of the state with {@code revision}. */
    void keep(String uploadId, String revision) {
        revisions.put(uploadId, revision);
    }

    /** Forgets and deletes the local copy (after a failed append, a publish or an abort). */
    void discard(String uploadId) throws IOException {
        revisions.remove(uploadId);
        Files.deleteIfExists(file(uploadId));
    }

    /**
     * Deletes copies not written since {@code cutoff}: uploads that finished on another node leave their copy
     * here, and an idle copy is worth nothing because it is re-downloaded whenever it is out of date.
     */
    void sweep(Instant cutoff) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.tail")) {
            for (Path f : files) {
                try {
                    if (Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)) {
                        String id = f.getFileName().toString().replaceFirst("\\.tail$", "");
                        revisions.remove(id);
                        Files.deleteIfExists(f);
                    }
                } catch (NoSuchFileException e) {
                    // removed meanwhile by its own publish or abort
                }
            }
        }
    }

    private Path file(String uploadId) {
        return dir.resolve(UploadIds.requireValid(uploadId) + ".tail");
    }

    private static long sizeOf(Path file) throws IOException {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return -1;
        }
    }
}
