package dev.wharf.storage;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Free space that blob writes leave alone ({@code storage.reserve_bytes}). A disk that blobs fill to the last byte
 * leaves the database no room either: an administrator can then not even sign in (a login records a session), let
 * alone delete images and collect garbage to make room, and the node can only be freed by hand. So uploads and a
 * mirror's downloads stop, with the same 507 as a full disk, once the file system they write to has less than this
 * left, and the database keeps it for sign-ins, deletions and GC. Checked with one {@code statvfs(2)} at the start of
 * a write and every {@link #CHECK_EVERY} bytes of it, so a write may go that much past the line.
 */
public final class DiskReserve {
    /** Reserves nothing (tests, tools, S3 staging). */
    public static final DiskReserve NONE = new DiskReserve(null, 0);
    /** How many bytes a write may take between two checks. */
    public static final long CHECK_EVERY = 4L << 20;

    private final FileStore store;
    private final long bytes;

    private DiskReserve(FileStore store, long bytes) {
        this.store = store;
        this.bytes = bytes;
    }

    /** The reserve of the file system holding {@code dir} (which must exist); none when {@code bytes} is 0. */
    public static DiskReserve of(Path dir, long bytes) throws IOException {
        if (bytes <= 0) return NONE;
        return new DiskReserve(Files.getFileStore(dir), bytes);
    }

    /** Throws {@link Reached} when less than the reserve is left for anything but the database. */
    public void check() throws Reached {
        if (store == null) return;
        long usable;
        try {
            usable = store.getUsableSpace();
        } catch (IOException e) {
            return; // the file system cannot say: the write itself will tell if the disk is full
        }
        if (usable < bytes) throw new Reached(usable, bytes);
    }

    /**
     * The bytes a writer may still add before the reserve is reached (negative once it is): what the file system
     * has free less the reserve. {@link Long#MAX_VALUE} without a reserve, or when the file system cannot say.
     */
    public long room() {
        if (store == null) return Long.MAX_VALUE;
        try {
            return store.getUsableSpace() - bytes;
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The reserve in bytes (0 for none). */
    public long bytes() {
        return bytes;
    }

    /** A meter for one write: {@link Write#before} checks ahead of its first bytes and then every CHECK_EVERY. */
    public Write write() {
        return new Write();
    }

    /** The reserve as one write (an upload's append, a mirror's download) sees it. Not shared between threads. */
    public final class Write {
        private long sinceCheck = CHECK_EVERY;

        private Write() {}

        /** Call before writing {@code n} more bytes; throws {@link Reached} when the reserve is reached. */
        public void before(long n) throws Reached {
            if (sinceCheck >= CHECK_EVERY) {
                check();
                sinceCheck = 0;
            }
            sinceCheck += n;
        }
    }

    /** The reserve is reached: recognised by {@link StorageFailure} as a full disk (507), named as such. */
    public static final class Reached extends IOException {
        Reached(long usable, long reserve) {
            super(mib(usable) + " MiB free, within the " + mib(reserve)
                    + " MiB kept for the database (storage.reserve_bytes)");
        }

        private static long mib(long n) {
            return n >> 20;
        }
    }
}
