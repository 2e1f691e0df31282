package dev.wharf.storage.blob;

import dev.wharf.model.Digest;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * Every path the filesystem blob store uses is built here and nowhere else, so the on-disk format is defined
 * in one place:
 *
 * <pre>
 * &lt;root&gt;/blobs/&lt;alg&gt;/&lt;first two hex&gt;/&lt;hex&gt;   published blob, e.g. blobs/sha256/ab/abcdef...
 * &lt;root&gt;/uploads/&lt;uploadId&gt;/data              staging area of one upload
 * &lt;root&gt;/tmp/&lt;random&gt;                         scratch files (probe)
 * </pre>
 *
 * <p>The two-hex shard keeps directories small (at most 256 shards per algorithm). All three areas sit under
 * one root so they share a filesystem: publishing is a rename from uploads/ into blobs/, and a rename is only
 * atomic within one filesystem. Path segments come only from a validated {@link Digest} (fixed-length
 * lowercase hex) or a validated upload id ({@link UploadIds}), so no input can escape the root.
 */
final class FilesystemLayout {
    private final Path root;
    private final Path blobs;
    private final Path uploads;
    private final Path tmp;

    FilesystemLayout(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.blobs = this.root.resolve("blobs");
        this.uploads = this.root.resolve("uploads");
        this.tmp = this.root.resolve("tmp");
    }

    Path root() {
        return root;
    }

    Path blobsDir() {
        return blobs;
    }

    Path uploadsDir() {
        return uploads;
    }

    Path tmpDir() {
        return tmp;
    }

    Path blob(Digest digest) {
        return blobs.resolve(digest.algorithm()).resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
    }

    /** The digest a file under blobs/ stands for, or empty for anything that is not a well-placed blob. */
    Optional<Digest> digestOf(Path blobFile) {
        Path rel = blobs.relativize(blobFile);
        if (rel.getNameCount() != 3) return Optional.empty();
        String alg = rel.getName(0).toString();
        String shard = rel.getName(1).toString();
        String hex = rel.getName(2).toString();
        if (!Digest.isValid(alg, hex) || !hex.startsWith(shard) || shard.length() != 2) return Optional.empty();
        return Optional.of(new Digest(alg, hex));
    }

    Path uploadDir(String uploadId) {
        return uploads.resolve(UploadIds.requireValid(uploadId));
    }

    Path uploadData(String uploadId) {
        return uploadDir(uploadId).resolve("data");
    }

    /** A fresh, unused name under tmp/. */
    Path newTempFile(String prefix) {
        return tmp.resolve(prefix + "-" + UUID.randomUUID());
    }
}
