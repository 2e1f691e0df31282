package dev.wharf.sources.build;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node runs Dockerfile builds, and in which sandbox. Builds are off unless the setting enables them
 * and the sandbox's self-check passed at start; then {@code docker-file} sources are refused at input and queued
 * builds fail with the reason.
 */
public record BuildGate(Sandbox sandbox, String disabledReason) {
    private static final Logger log = LoggerFactory.getLogger(BuildGate.class);

    public static BuildGate disabled(String reason) {
        return new BuildGate(null, reason);
    }

    public boolean enabled() {
        return sandbox != null;
    }

    /**
     * Decides at start: with builds enabled, runs the self-check once and says in the log, once, why builds are off
     * if it fails.
     *
     * @param workRoot the builds directory ({@code <data_dir>/builds}), where the check runs its step
     */
    public static BuildGate start(boolean enabled, long uid, Sandbox.Limits limits, Path workRoot, Path dataDir) {
        // No build runs on this node before its workers start: whatever is here was left by a crash. Removed here,
        // before the self-check's own directory, as the check runs alongside the rest of the start.
        Trees.delete(workRoot);
        if (!enabled) {
            return disabled("Dockerfile builds are disabled on this server (sources.build_enabled=false)");
        }
        // Never throws: it runs alongside the server's start, and builds ask for its answer later.
        Sandbox sandbox = null;
        SandboxCheck.Report report;
        try {
            sandbox = new Sandbox(uid, limits, Cgroups.detect().orElse(null));
            Trees.createPrivate(workRoot);
            report = SandboxCheck.run(sandbox, workRoot, dataDir);
        } catch (java.io.IOException | RuntimeException e) {
            report = new SandboxCheck.Report(java.util.List.of(new SandboxCheck.Property("sandbox step ran", false,
                    e.toString())));
        }
        if (!report.passed()) {
            String why = "Dockerfile builds are disabled: the build sandbox failed its self-check ("
                    + report.failures() + ")";
            log.warn(why);
            return disabled("Dockerfile builds are disabled on this server: the build sandbox is not available here"
                    + " (see the server log)");
        }
        log.info("Dockerfile builds run sandboxed as host uids {}..{} with {} per build", uid,
                uid + Sandbox.ID_COUNT - 1, sandbox.cgroups() == null ? "rlimits only"
                        : "rlimits and " + sandbox.cgroups().describe());
        return new BuildGate(sandbox, null);
    }
}
