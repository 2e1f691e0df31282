package dev.wharf.sources.build;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Bounds the disk a build uses: the job's directory (context, buildah's storage, the exported archive) may not
 * grow past {@code limit} bytes. Files count with their apparent size, so a sparse file counts in full: a 10 GiB
 * file of holes is refused like a 10 GiB file of data. Each process of the build also has that limit as its
 * largest file (RLIMIT_FSIZE, see {@link Sandbox}), which stops one huge file at once; this watch, checked twice a
 * second while a command runs, stops many smaller ones.
 */
public final class DiskWatch {
    private static final long MIN_INTERVAL_NANOS = 400_000_000L;

    private final Path root;
    private final long limit;
    private long lastCheck;
    private long lastSize;

    public DiskWatch(Path root, long limit) {
        this.root = root;
        this.limit = limit;
    }

    public long limit() {
        return limit;
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
