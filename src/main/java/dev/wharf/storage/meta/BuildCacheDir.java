package dev.wharf.storage.meta;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The launcher's directory for one build of the jar ({@code -Dwharf.cache.dir}, {@code target/wharf-<build>.cache}):
 * files every node of that build would otherwise derive from the jar on each start ({@link SqliteNativeLibrary},
 * {@link SqliteSchemaTemplate}). The build in its name means whatever is in it was made from this jar; the launcher
 * removes it when the jar is rebuilt.
 */
final class BuildCacheDir {
    static final String PROPERTY = "wharf.cache.dir";

    private BuildCacheDir() {}

    /** The directory the launcher named, if it did. */
    static Optional<Path> fromLauncher() {
        String dir = System.getProperty(PROPERTY);
        return dir == null || dir.isBlank() ? Optional.empty() : Optional.of(Path.of(dir));
    }

    /**
     * Puts {@code partial}, written whole in the directory, in place as {@code target}: readable by every user, as the
     * jar is (nodes of one checkout may run as other users than the first), and by rename, so a reader sees all of it
     * or nothing. Two nodes of one build doing it at once both make the same file; either rename leaves a whole one.
     */
    static void publish(Path partial, Path target) throws IOException {
        try {
            Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its defaults apply
        }
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
