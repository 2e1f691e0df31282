package dev.wharf.storage.meta;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * Where SQLite's native library is loaded from. On every start sqlite-jdbc copies it out of the jar into the temp
 * directory and compares the copy with the jar's byte for byte: ~150 ms of a 2-core VM's start-up (measured:
 * docs/benchmarks-journal.md, "What runs T–V add"). The launcher names a directory of its own for each build of the jar
 * ({@link BuildCacheDir}, next to the jar, as its class cache is); the library is copied there once, by the
 * first start of that build, and sqlite-jdbc is pointed at the copy with its own {@code org.sqlite.lib.path} and
 * {@code org.sqlite.lib.name} properties. Without the launcher's property, with those properties set by the operator,
 * or when the directory cannot be written, sqlite-jdbc loads the library as it always does; it does so too when the
 * library it is pointed at cannot be loaded (checked with a path that does not exist: the node starts).
 */
public final class SqliteNativeLibrary {
    private SqliteNativeLibrary() {}

    /** Points sqlite-jdbc at this build's copy, made now if missing. Call before the first SQLite connection. */
    public static void useLauncherCopy() {
        Optional<Path> dir = BuildCacheDir.fromLauncher();
        if (dir.isEmpty() || System.getProperty("org.sqlite.lib.path") != null) return;
        copyIn(dir.get(), SqliteNativeLibrary.class.getClassLoader()).ifPresent(library -> {
            System.setProperty("org.sqlite.lib.path", library.getParent().toString());
            System.setProperty("org.sqlite.lib.name", library.getFileName().toString());
        });
    }

    /**
     * This OS's and architecture's library (as sqlite-jdbc picks it), copied into {@code dir} unless a copy is there
     * already: the directory is one build's, so a copy in it has that build's bytes (it appears whole, by rename).
     *
     * @return the copy, or empty when the jar has no library for this platform or {@code dir} cannot be written
     */
    static Optional<Path> copyIn(Path dir, ClassLoader loader) {
        String name = LibraryLoaderUtil.getNativeLibName();
        String resource = LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name;
        Path target = dir.resolve(name);
        if (Files.isRegularFile(target)) return Optional.of(target);
        try (InputStream in = loader.getResourceAsStream(resource.startsWith("/") ? resource.substring(1) : resource)) {
            if (in == null) return Optional.empty();
            Files.createDirectories(dir);
            Path partial = Files.createTempFile(dir, name, ".partial");
            try {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                BuildCacheDir.publish(partial, target);
            } finally {
                Files.deleteIfExists(partial);
            }
            return Optional.of(target);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // sqlite-jdbc's own extraction still works
        }
    }
}
