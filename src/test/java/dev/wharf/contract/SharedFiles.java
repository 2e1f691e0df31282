package dev.wharf.contract;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the project's {@code shared/} directory (seeds and read-only reference documents). It is not part of the
 * repository: in a worktree and in CI's fresh clone it sits beside the checkout, so we walk up from the working
 * directory instead of assuming a fixed depth. {@code -Dwharf.shared.dir=/path/to/shared} points elsewhere.
 *
 * <p>Looked up on each call rather than in a static initializer: a clone made away from {@code shared/} then gets
 * the message below on every contract check, not a {@code NoClassDefFoundError} that hides it.
 */
final class SharedFiles {
    private SharedFiles() {}

    /** A file under {@code shared/}, e.g. {@code resolve("reference/docker-hub/latest.yaml")}. */
    static Path resolve(String relative) {
        Path p = root().resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing shared file " + p);
        }
        return p;
    }

    private static Path root() {
        String configured = System.getProperty("wharf.shared.dir");
        if (configured != null && !configured.isBlank()) {
            Path dir = Path.of(configured).toAbsolutePath();
            if (Files.isDirectory(dir.resolve("seeds"))) return dir;
            throw new IllegalStateException("-Dwharf.shared.dir=" + configured + " has no seeds/ directory");
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared");
            if (Files.isDirectory(candidate.resolve("seeds"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("the contract tests validate against the API documents in shared/ "
                + "(seeds/ and reference/), which sit beside the checkout, not in it; none found in " + start
                + " or any parent. Clone the repository next to shared/, or pass -Dwharf.shared.dir=/path/to/shared");
    }
}
