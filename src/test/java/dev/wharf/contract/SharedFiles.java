package dev.wharf.contract;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the project's {@code shared/} directory (seeds and read-only reference documents). It is not part of the
 * repository: in a worktree and in CI's fresh clone it sits beside the checkout, so we walk up from the working
 * directory instead of assuming a fixed depth.
 */
final class SharedFiles {
    private static final Path ROOT = locate();

    private SharedFiles() {}

    /** A file under {@code shared/}, e.g. {@code resolve("reference/docker-hub/latest.yaml")}. */
    static Path resolve(String relative) {
        Path p = ROOT.resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing shared file " + p);
        }
        return p;
    }

    private static Path locate() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared");
            if (Files.isDirectory(candidate.resolve("seeds"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shared/seeds/ directory in " + start + " or any parent");
    }
}
