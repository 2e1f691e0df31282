package dev.wharf.sources.build;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.LoggerFactory;

/** Removal of a build's directory tree. */
public final class Trees {
    private Trees() {}

    /**
     * Creates {@code dir} (and missing parents) readable by the server only: the builds directory lives in the data
     * directory, which holds secrets; the sandbox reaches its job directory through a bind mount, not this path.
     */
    public static Path createPrivate(Path dir) throws IOException {
        return Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
    }

    /** Removes a directory tree without following symbolic links; a missing tree is fine. */
    public static void delete(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                    // buildah's vfs layers may hold read-only directories; make them removable first.
                    d.toFile().setWritable(true, true);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // Never fails the job or the start for this: the next attempt or start tries again.
            LoggerFactory.getLogger(Trees.class).warn("could not remove {}: {}", root, e.toString());
        }
    }
}
