package dev.wharf.sources;

import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobFailure;
import dev.wharf.sources.build.DiskWatch;
import dev.wharf.sources.build.Sandbox;
import dev.wharf.storage.DiskReserve;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The commands of one build that handle its untrusted input (unpacking the context, pulling base images, running
 * the Dockerfile, exporting the image), each in the build's {@link Sandbox} with the job's directory as
 * {@code /build}, and all under the build's disk limit.
 */
final class BuildSteps {
    /** Exit status of a process killed by SIGXFSZ: it wrote a file past the disk limit (RLIMIT_FSIZE). */
    private static final int FILE_TOO_LARGE = 128 + 25;

    private final Path work;
    private final Sandbox.Session session;
    private final DiskWatch disk;
    private final BuildLog log;
    private final Runnable flush;
    private final JobContext ctx;
    private final long deadline;

    BuildSteps(Path work, Sandbox.Session session, DiskWatch disk, BuildLog log, Runnable flush, JobContext ctx,
            long deadline) {
        this.work = work;
        this.session = session;
        this.disk = disk;
        this.log = log;
        this.flush = flush;
        this.ctx = ctx;
        this.deadline = deadline;
    }

    Path work() {
        return work;
    }

    /** {@code file} as the sandbox sees it. */
    String inside(Path file) {
        return Sandbox.inside(work, file);
    }

    /**
     * Runs {@code command} in the sandbox; a build past its disk limit is stopped with a clear error, whether the
     * watch saw it or a process was refused a file that large, and so is a build still running when the disk's
     * free space falls within the reserve (others' pushes took the room).
     */
    BuildProcess.Result run(List<String> command, Map<String, String> env, Sandbox.Network network, String what) {
        BuildProcess.Result r = BuildProcess.run((c, e, dir) -> session.start(c, e, dir, network), command, env,
                work, log, flush, ctx, deadline, what, () -> {
                    if (disk.exceeded()) throw diskFull(what);
                    disk.reserveReached().ifPresent(reached -> {
                        throw reserveReached(what, reached);
                    });
                });
        if (r.exitCode() != 0 && (r.exitCode() == FILE_TOO_LARGE || r.fileTooLarge() || disk.exceeded())) {
            log.line("[wharf] " + what + " stopped: over the disk limit");
            throw diskFull(what);
        }
        if (r.exitCode() != 0) {
            Optional<DiskReserve.Reached> reached = disk.reserveReached();
            if (reached.isPresent()) throw reserveReached(what, reached.get());
        }
        return r;
    }

    private JobFailure diskFull(String what) {
        return JobFailure.permanent(what + " needs more disk than this server allows a build ("
                + disk.describeLimit() + ")");
    }

    /** Logged by BuildProcess when the check throws it, and by the job when it ends the build. */
    private static JobFailure reserveReached(String what, DiskReserve.Reached reached) {
        return JobFailure.permanent("the server's disk is nearly full while " + what + " ran ("
                + reached.getMessage() + "); free space and build again");
    }
}
