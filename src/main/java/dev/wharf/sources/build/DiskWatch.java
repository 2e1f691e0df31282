package dev.wharf.sources.build;

import dev.wharf.storage.DiskReserve;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * Bounds the disk a build uses: the job's directory (context, buildah's storage, the exported archive) may not
 * grow past {@code limit} bytes, which is sources.build_disk_bytes, or less when the disk had less room above
 * storage.reserve_bytes when the build started (the reserve keeps room for the database, as for blob writes). While
 * the build runs, other writers (pushes) may take that room too; {@link #reserveReached} tells when they did. Files
 * count with their apparent size, so a sparse file counts in full: a 10 GiB file of holes is refused like a 10 GiB
 * file of data. Each process of the build also has that limit as its largest file (RLIMIT_FSIZE, see
 * {@link Sandbox}), which stops one huge file at once; this watch, checked twice a second while a command runs,
 * stops many smaller ones.
 */
public final class DiskWatch {
    private static final long MIN_INTERVAL_NANOS = 400_000_000L;

    private final Path root;
    private final long limit;
    private final DiskReserve reserve;
    /** Whether the room above the reserve, not sources.build_disk_bytes, set the limit. */
    private final boolean limitedByReserve;
    private long lastCheck;
    private long lastSize;

    /**
     * @param configured sources.build_disk_bytes
     * @param reserve the reserve of the file system holding {@code root}
     */
    public DiskWatch(Path root, long configured, DiskReserve reserve) {
        long room = Math.max(0, reserve.room());
        this.root = root;
        this.limit = Math.min(configured, room);
        this.reserve = reserve;
        this.limitedByReserve = room < configured;
    }

    public long limit() {
        return limit;
    }

    /** The limit and where it comes from, for the build's error. */
    public String describeLimit() {
        if (!limitedByReserve) return limit + " bytes, sources.build_disk_bytes";
        return limit + " bytes, what the disk had free above the " + (reserve.bytes() >> 20)
                + " MiB kept for the database when the build started, storage.reserve_bytes";
    }

    /** The reserve's error when the disk now has less free than storage.reserve_bytes (one statvfs). */
    public Optional<DiskReserve.Reached> reserveReached() {
        try {
            reserve.check();
            return Optional.empty();
        } catch (DiskReserve.Reached r) {
            return Optional.of(r);
        }
    }

    /** True when the directory is (or was at the last look) larger than the limit. */
    public boolean exceeded() {
        long now = System.nanoTime();
        if (now - lastCheck >= MIN_INTERVAL_NANOS) {
            lastCheck = now;
            lastSize = size(root);
        }
        return lastSize > limit;
    }

    /** The apparent size of every regular file below {@code dir}, without following links. */
    public static long size(Path dir) {
        long[] total = {0};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) total[0] += attrs.size();
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // removed while we looked
                }
            });
        } catch (IOException e) {
            // Counted what could be seen.
        }
        return total[0];
    }
}
