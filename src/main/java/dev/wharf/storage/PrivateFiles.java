package dev.wharf.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Directories (0700) and files (0600) only the server's own user can read: the database, its WAL, blobs and
 * uploads hold private images and account data. Modes are given at creation, so there is no moment in which a
 * file is readable by others. On a file system without POSIX permissions the attributes are skipped.
 */
public final class PrivateFiles {
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private PrivateFiles() {}

    /** Like {@link Files#createDirectories}; the directories it creates are 0700 (existing ones are left alone). */
    public static Path createDirectories(Path dir) throws IOException {
        return posix(dir) ? Files.createDirectories(dir, directoryMode()) : Files.createDirectories(dir);
    }

    public static Path createDirectory(Path dir) throws IOException {
        return posix(dir) ? Files.createDirectory(dir, directoryMode()) : Files.createDirectory(dir);
    }

    /** Like {@link Files#createFile}, mode 0600. */
    public static Path createFile(Path file) throws IOException {
        return posix(file) ? Files.createFile(file, fileMode()) : Files.createFile(file);
    }

    /** Sets an existing file to 0600 (a file made elsewhere that is about to become private data). */
    public static void makePrivate(Path file) throws IOException {
        if (posix(file)) Files.setPosixFilePermissions(file, FILE);
    }

    public static FileAttribute<Set<PosixFilePermission>> fileMode() {
        return PosixFilePermissions.asFileAttribute(FILE);
    }

    public static FileAttribute<Set<PosixFilePermission>> directoryMode() {
        return PosixFilePermissions.asFileAttribute(DIRECTORY);
    }

    /**
     * The existing paths among {@code paths} that others than the owner may use, each as "path (mode rwxr-xr-x)":
     * what the start-up check warns about.
     */
    public static List<String> looserThanPrivate(List<Path> paths) {
        List<String> loose = new ArrayList<>();
        for (Path p : paths) {
            try {
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) || !posix(p)) continue;
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                if (mode.stream().anyMatch(OTHERS::contains)) {
                    loose.add(p + " (mode " + PosixFilePermissions.toString(mode) + ")");
                }
            } catch (IOException e) {
                // unreadable attributes: nothing to say about them
            }
        }
        return loose;
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
