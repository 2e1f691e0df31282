package dev.wharf.app;

import dev.wharf.model.Digest;
import dev.wharf.storage.blob.BlobNotFoundException;
import dev.wharf.storage.blob.BlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * Copies every published blob of one store into another. Each blob is streamed once, hashed on the way and
 * published through the target's upload API (createUpload, append, publish), so the target's own atomicity holds:
 * a blob appears whole or not at all, and one whose bytes do not match its digest is never published.
 */
final class BlobCopy {
    /** @param gone blobs listed but deleted before they could be copied (a running source only) */
    record Result(long copied, long skipped, long bytesCopied, long gone) {}

    private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;

    private final BlobStore source;
    private final BlobStore target;
    private final PrintStream out;
    /** The source's node may be running: a blob it deletes while the copy runs is passed over, not an error. */
    private final boolean live;

    BlobCopy(BlobStore source, BlobStore target, PrintStream out) {
        this(source, target, out, false);
    }

    BlobCopy(BlobStore source, BlobStore target, PrintStream out, boolean live) {
        this.source = source;
        this.target = target;
        this.out = out;
        this.live = live;
    }

    Result run() throws IOException {
        long copied = 0;
        long skipped = 0;
        long bytes = 0;
        long gone = 0;
        long lastReport = System.nanoTime();
        for (Iterator<Digest> it = source.list(); it.hasNext(); ) {
            Digest digest = it.next();
            OptionalLong sourceSize = source.size(digest);
            if (sourceSize.isEmpty() && live) {
                gone++;
                continue;
            }
            long size = sourceSize.orElseThrow(() -> new MigrateException("blob " + digest
                    + " disappeared from the source while copying: stop the old node before migrating"));
            OptionalLong there = target.size(digest);
            if (there.isPresent()) {
                if (there.getAsLong() != size) {
                    throw new MigrateException("blob " + digest + " is in the target with " + there.getAsLong()
                            + " bytes but has " + size + " in the source: one of the two stores is damaged");
                }
                skipped++;
            } else if (copy(digest, size)) {
                copied++;
                bytes += size;
            } else {
                gone++;
            }
            if (System.nanoTime() - lastReport > PROGRESS_EVERY_NANOS) {
                out.printf("  blobs: %d copied (%d bytes), %d already there%n", copied, bytes, skipped);
                lastReport = System.nanoTime();
            }
        }
        return new Result(copied, skipped, bytes, gone);
    }

    /** @return false when a live source deleted the blob before its bytes could be read */
    private boolean copy(Digest digest, long size) throws IOException {
        String upload = UUID.randomUUID().toString();
        target.createUpload(upload);
        boolean published = false;
        try {
            MessageDigest hasher = Digest.newHasher(digest.algorithm());
            long written;
            InputStream opened;
            try {
                opened = source.open(digest, 0);
            } catch (BlobNotFoundException e) {
                if (live) return false;
                throw new MigrateException("blob " + digest + " disappeared from the source while copying: stop the"
                        + " old node before migrating");
            }
            try (InputStream in = new DigestInputStream(opened, hasher)) {
                written = target.append(upload, 0, in);
            }
            Digest actual = Digest.fromHasher(digest.algorithm(), hasher);
            if (!actual.equals(digest)) {
                throw new MigrateException("blob " + digest + " is corrupt in the source: its " + written
                        + " bytes hash to " + actual + "; nothing of it was published to the target");
            }
            if (written != size) {
                throw new MigrateException("blob " + digest + " changed size while copying (" + size + " then "
                        + written + " bytes): stop the old node before migrating");
            }
            target.publish(upload, digest);
            published = true;
            return true;
        } finally {
            if (!published) target.abortUpload(upload);
        }
    }
}
