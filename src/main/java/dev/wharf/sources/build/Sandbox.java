package dev.wharf.sources.build;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a build's commands (tar, buildah) where they cannot reach the host. See
 * {@code docs/decisions/sandbox-build-isolation.md} for why it is built this way. Each command runs as:
 * <ol>
 *   <li>{@code unshare --mount} (as the server, root): a private mount namespace in which the job's directory is
 *       bound onto {@code /tmp}, so the unprivileged uid below reaches it even though the data directory is 0700;</li>
 *   <li>{@code prlimit}: process count, file size (the disk limit), CPU seconds, data segment, no core files;</li>
 *   <li>{@code setpriv --reuid --regid --clear-groups}: the host uid {@link #uid()}, never root, no groups;</li>
 *   <li>{@code unshare --user}: a user namespace whose ids the server then maps ({@code 0 uid 65536}) by writing
 *       {@code /proc/<pid>/uid_map} itself, so the build's root and users 1..65535 are host uids
 *       {@code uid..uid+65535}, all unprivileged on the host; the command waits on its stdin until the map is
 *       written (and the process is placed in its cgroups, see {@link Cgroups});</li>
 *   <li>{@code bwrap}: new PID, IPC, UTS, cgroup and mount namespaces and, for {@link Network#NONE}, a network
 *       namespace with only its own loopback; a fresh root holding the host's {@code /usr} read-only, a minimal
 *       {@code /dev} (null, zero, random, tty, pts: no host devices), an empty {@code /sys} (no cgroup files), its
 *       own {@code /proc} and {@code /tmp}, and the job's directory at {@code /build}: nothing of the data directory
 *       or the rest of the host's files.</li>
 * </ol>
 * buildah then runs {@code RUN} steps with {@code --isolation chroot} inside that: a chroot escape lands in the
 * sandbox's root, not the host's.
 */
public final class Sandbox {
    /** Where the job's directory is inside the sandbox. */
    public static final String INSIDE = "/build";
    /** How many ids the user namespace maps: root and the usual 65535 users of an image. */
    public static final long ID_COUNT = 65536;
    private static final String BIND_WORK = "mount --bind -- \"$0\" /tmp && exec \"$@\"";
    private static final String WAIT_FOR_MAP = "read -r go && [ \"$go\" = go ] && exec \"$@\"";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    /** {@link #NONE} for everything that runs user code; {@link #HOST} only to pull base images. */
    public enum Network { NONE, HOST }

    /**
     * Limits of one build. {@code cpus} caps the CPU share (where cgroups are writable) and, times the wall time,
     * the CPU seconds of each process; {@code memoryBytes} caps the build's memory (cgroups) and each process's
     * data segment (rlimit); {@code processes} caps the tasks; {@code diskBytes} caps each file (rlimit) and the
     * job's directory (watched by {@link DiskWatch}).
     */
    public record Limits(long memoryBytes, int cpus, int processes, long diskBytes, Duration wallTime) {
        long cpuSeconds() {
            return Math.max(60, wallTime.toSeconds()) * cpus;
        }
    }

    private final long uid;
    private final Limits limits;
    private final Cgroups cgroups;

    public Sandbox(long uid, Limits limits, Cgroups cgroups) {
        this.uid = uid;
        this.limits = limits;
        this.cgroups = cgroups;
    }

    /** The host uid of the build's root; the build's users are {@code uid..uid+65535}. */
    public long uid() {
        return uid;
    }

    public Limits limits() {
        return limits;
    }

    public Cgroups cgroups() {
        return cgroups;
    }

    /** The path of {@code file} (inside the job's directory {@code work}) as the sandbox sees it. */
    public static String inside(Path work, Path file) {
        Path rel = work.relativize(file);
        if (rel.startsWith("..")) throw new IllegalArgumentException(file + " is not inside " + work);
        return rel.toString().isEmpty() ? INSIDE : INSIDE + "/" + rel;
    }

    /**
     * Gives the job's directory to the build's root (host uid {@link #uid()}), without following links, and writes
     * the sandbox's own {@code /etc/passwd} and {@code /etc/group} (buildah needs a user name for uid 0). Files the
     * server wrote (a cloned repository, a downloaded tarball) become usable inside; secrets must be deleted first.
     */
    public void handOver(Path work) throws IOException {
        Path etc = Files.createDirectories(work.resolve(".sandbox"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:" + INSIDE + ":/bin/sh\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\n");
        Files.walkFileTree(work, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                // buildah's storage is already the sandbox's (its ids are mapped ones); leave it as it is.
                if (dir.equals(work.resolve("storage"))) return FileVisitResult.SKIP_SUBTREE;
                own(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                own(file);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private void own(Path p) throws IOException {
        Files.setAttribute(p, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", (int) uid, LinkOption.NOFOLLOW_LINKS);
    }

    /** Per-build state: the build's cgroups (if any), shared by every command of the build. */
    public Session open(String name) {
        return open(name, limits.diskBytes());
    }

    /**
     * {@link #open(String)} with each file the build writes capped at {@code diskBytes} instead of the configured
     * limit: a build starting on a disk with less room than that gets only the room.
     */
    public Session open(String name, long diskBytes) {
        return new Session(cgroups == null ? null : cgroups.create(name, limits), Math.min(diskBytes,
                limits.diskBytes()));
    }

    /** The commands of one build. Close it when the build ends: it kills what is left and removes its cgroups. */
    public final class Session implements AutoCloseable {
        private final Cgroups.Group group;
        private final long diskBytes;

        private Session(Cgroups.Group group, long diskBytes) {
            this.group = group;
            this.diskBytes = diskBytes;
        }

        /**
         * Starts {@code command} in the sandbox with {@code work} at {@link #INSIDE}; its output and errors are
         * merged. The environment is exactly {@code env}. Returns once the process runs with its ids mapped and its
         * limits applied; it is killed if that fails.
         */
        public Process start(List<String> command, Map<String, String> env, Path work, Network network)
                throws IOException {
            ProcessBuilder pb = new ProcessBuilder(wrap(command, work, network, diskBytes)).directory(work.toFile())
                    .redirectErrorStream(true);
            pb.environment().clear();
            pb.environment().putAll(env);
            Process process = pb.start();
            try {
                mapIds(process);
                if (group != null) group.add(process.pid());
                try (OutputStream go = process.getOutputStream()) {
                    go.write("go\n".getBytes(StandardCharsets.US_ASCII));
                }
                return process;
            } catch (IOException | RuntimeException e) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw e;
            }
        }

        @Override
        public void close() {
            if (group != null) group.close();
        }
    }

    List<String> wrap(List<String> command, Path work, Network network, long diskBytes) {
        List<String> c = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--",
                "/bin/sh", "-c", BIND_WORK, work.toString(),
                "prlimit", "--nproc=" + limits.processes(), "--fsize=" + diskBytes,
                "--cpu=" + limits.cpuSeconds(), "--data=" + limits.memoryBytes(), "--core=0", "--",
                "setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--",
                "unshare", "--user", "--", "/bin/sh", "-c", WAIT_FOR_MAP, "sh"));
        c.addAll(bwrap(network));
        c.add("--");
        c.addAll(command);
        return c;
    }

    private static List<String> bwrap(Network network) {
        List<String> b = new ArrayList<>(List.of("bwrap", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup", "--die-with-parent", "--new-session", "--cap-add", "ALL",
                "--hostname", "wharf-build", "--ro-bind", "/usr", "/usr"));
        if (network == Network.NONE) b.add("--unshare-net");
        for (String top : List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32")) {
            Path p = Path.of("/", top);
            if (Files.isSymbolicLink(p)) {
                try {
                    b.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), "/" + top));
                } catch (IOException e) {
                    // Unreadable link: leave it out, as if it did not exist.
                }
            } else if (Files.isDirectory(p)) {
                b.addAll(List.of("--ro-bind", p.toString(), p.toString()));
            }
        }
        b.addAll(List.of("--ro-bind-try", "/etc/containers", "/etc/containers"));
        if (network == Network.HOST) {
            // Name resolution and TLS roots, for pulling base images; nothing else of /etc.
            for (String f : List.of("/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/ssl",
                    "/etc/ca-certificates", "/etc/pki")) {
                b.addAll(List.of("--ro-bind-try", f, f));
            }
        }
        b.addAll(List.of("--bind", "/tmp", INSIDE,
                "--symlink", INSIDE + "/.sandbox/passwd", "/etc/passwd",
                "--symlink", INSIDE + "/.sandbox/group", "/etc/group",
                "--dev", "/dev", "--proc", "/proc", "--dir", "/sys", "--tmpfs", "/tmp", "--chdir", INSIDE));
        return b;
    }

    /**
     * Waits until the process has its own user namespace (the {@code unshare --user} step), then maps the
     * namespace's ids 0..65535 onto the host's {@code uid..uid+65535}. Only a process privileged on the host may
     * write a map other than its own single uid, which is why the server, not the sandbox, writes it.
     */
    private void mapIds(Process process) throws IOException {
        Path ns = Path.of("/proc", Long.toString(process.pid()), "ns", "user");
        Path own = Files.readSymbolicLink(Path.of("/proc/self/ns/user"));
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                throw new IOException("the sandbox did not start: " + (out.isEmpty() ? "exit status "
                        + process.exitValue() : out));
            }
            try {
                if (!Files.readSymbolicLink(ns).equals(own)) break;
            } catch (IOException e) {
                // Between two execs of the wrapper chain, or gone: look again.
            }
            if (System.nanoTime() > deadline) throw new IOException("the sandbox did not start within "
                    + START_TIMEOUT.toSeconds() + " s");
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting the sandbox");
            }
        }
        String map = "0 " + uid + " " + ID_COUNT + "\n";
        Path proc = Path.of("/proc", Long.toString(process.pid()));
        Files.writeString(proc.resolve("uid_map"), map);
        Files.writeString(proc.resolve("gid_map"), map);
    }
}
