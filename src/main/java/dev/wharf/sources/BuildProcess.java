package dev.wharf.sources;

import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobFailure;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command of a build (git, tar, buildah) with its output merged into the build log. The command gets a
 * clean environment (only {@code PATH} and what the caller adds), never Wharf's own, which may hold the database
 * password or the secret key. While it runs, the job is checked for cancellation twice a second; a cancelled or
 * overdue command is killed with everything it started, so nothing keeps writing after the job ended.
 */
final class BuildProcess {
    private static final long POLL_MILLIS = 500;
    private static final long FLUSH_MILLIS = 2000;

    /**
     * What the command printed last, for the job's error message, and whether it reported a file refused for its
     * size (EFBIG: the disk limit's RLIMIT_FSIZE), which buildah may bury in a list of errors.
     */
    record Result(int exitCode, String lastError, boolean fileTooLarge) {
        Result(int exitCode, String lastError) {
            this(exitCode, lastError, false);
        }
    }

    /** Starts a command: as it is, or inside the build sandbox. */
    interface Starter {
        Process start(List<String> command, Map<String, String> env, Path dir) throws IOException;
    }

    /** Starts the command directly, as the server (git, which needs the server's network and files). */
    static final Starter DIRECT = (command, env, dir) -> {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        return pb.start();
    };

    private BuildProcess() {}

    /**
     * @param deadlineNanos {@link System#nanoTime()} after which the command is killed
     * @param flush saves the log so far (called every two seconds while output comes)
     */
    static Result run(List<String> command, Map<String, String> env, Path dir, BuildLog log, Runnable flush,
            JobContext ctx, long deadlineNanos, String what) {
        return run(DIRECT, command, env, dir, log, flush, ctx, deadlineNanos, what, () -> { });
    }

    /**
     * @param check called twice a second while the command runs; throws (a {@link JobFailure}) to stop it, as
     *     the disk limit does
     */
    static Result run(Starter starter, List<String> command, Map<String, String> env, Path dir, BuildLog log,
            Runnable flush, JobContext ctx, long deadlineNanos, String what, Runnable check) {
        Map<String, String> full = new java.util.HashMap<>();
        full.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        full.put("LANG", "C.UTF-8");
        full.putAll(env);
        Process process;
        try {
            process = starter.start(command, full, dir);
        } catch (IOException e) {
            if (starter != DIRECT) {
                throw JobFailure.permanent("could not start " + what + " in the build sandbox: " + e.getMessage());
            }
            throw JobFailure.permanent(command.get(0) + " is not installed on this Wharf server (" + e.getMessage()
                    + ")");
        }
        String[] lastError = {null};
        String[] lastLine = {null};
        boolean[] tooLarge = {false};
        Thread reader = Thread.ofVirtual().start(() -> {
            long lastFlush = System.nanoTime();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    log.line(line);
                    if (!line.isBlank()) lastLine[0] = line.strip();
                    if (isError(line)) lastError[0] = line.strip();
                    if (line.contains("file too large") || line.contains("File too large")) tooLarge[0] = true;
                    if (System.nanoTime() - lastFlush > TimeUnit.MILLISECONDS.toNanos(FLUSH_MILLIS)) {
                        lastFlush = System.nanoTime();
                        try {
                            flush.run();
                        } catch (RuntimeException e) {
                            // Keep reading (a full pipe would stall the command); the final save tries again.
                        }
                    }
                }
            } catch (IOException e) {
                // The process was killed; the caller reports what happened.
            }
        });
        try {
            while (!process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                ctx.checkCancelled();
                check.run();
                if (System.nanoTime() > deadlineNanos) {
                    throw JobFailure.permanent(what + " took longer than the build time limit"
                            + " (sources.build_timeout) and was stopped");
                }
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(process);
            throw JobFailure.permanent("the server is stopping");
        } catch (RuntimeException e) {
            kill(process);
            log.line("[wharf] " + what + " stopped: " + e.getMessage());
            throw e;
        }
        String reason = lastError[0] != null ? lastError[0] : lastLine[0];
        return new Result(process.exitValue(), reason == null ? "no output" : reason, tooLarge[0]);
    }

    private static boolean isError(String line) {
        String l = line.stripLeading();
        return l.startsWith("Error:") || l.startsWith("error:") || l.startsWith("fatal:") || l.startsWith("tar:");
    }

    /** Kills the command and every process it started (buildah runs RUN steps in children). */
    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
