package dev.wharf.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A Docker engine of the test's own: Debian's {@code dockerd} (docker.io) run as root with no networking of its
 * own ({@code --iptables=false --ip6tables=false --bridge=none}), the vfs storage driver, and its data root, exec
 * root, pid file and API socket in a short temporary directory (unix socket paths are limited to 108 bytes).
 * The {@code docker} CLI talks to it through {@code DOCKER_HOST} with a per-daemon {@code DOCKER_CONFIG}, so the
 * machine's own Docker setup and stored credentials never enter a test.
 *
 * <p>The daemon runs in a private mount namespace ({@code unshare -m}) where two files are replaced for it alone:
 * <ul>
 *   <li>{@code /etc/docker} is a directory of the test ({@link #configDir()}): the daemon's {@code certs.d}
 *       (CA certificates per {@code host:port}, see {@link Builder#trustCa}), its trust key and its
 *       {@code daemon.json} ({@link Builder#daemonJson}). Nothing is written to the host's /etc/docker, and
 *       parallel daemons trust different CAs for the same name without seeing each other's.
 *   <li>{@code /etc/hosts} lists the names of {@link Builder#hostAlias} as {@code ::1}. dockerd always treats
 *       127.0.0.0/8 as an insecure registry (HTTPS without verification, falling back to plain HTTP), so a
 *       registry reached as 127.0.0.1 or localhost proves nothing about TLS; a name that resolves only to
 *       {@code ::1} is a secure registry: HTTPS only, verified against certs.d. Serve on {@code [::1]}.
 * </ul>
 * Tests that want the insecure behaviour (plain HTTP mirrors) simply use {@code 127.0.0.1:PORT}.
 *
 * <p>Where dockerd cannot run (not root, not installed, no mount namespaces) {@link Builder#start} skips the
 * test with the reason, except under CI ({@code CI=true}), where .ci/run installs docker.io and the test must run.
 * {@link #close} stops the daemon by its PID (SIGTERM, then SIGKILL) and deletes its directory.
 */
public final class PrivateDockerd implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(3);
    /** Where Debian keeps dockerd and runc; searched even where PATH leaves them out (outside a login shell). */
    private static final String SBIN = "/usr/sbin:/sbin";

    /** The outcome of one {@code docker} CLI run. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }

    private final Path dir;
    private final Process process;
    private final Path log;

    private PrivateDockerd(Path dir, Process process, Path log) {
        this.dir = dir;
        this.process = process;
        this.log = log;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final List<String> aliases = new ArrayList<>();
        private final Map<String, byte[]> cas = new LinkedHashMap<>();
        private String daemonJson = "{}";

        private Builder() {}

        /** {@code name} resolves to {@code ::1} for the daemon (see the class comment on why not 127.0.0.1). */
        public Builder hostAlias(String name) {
            aliases.add(name);
            return this;
        }

        /** Installs {@code caPem} as {@code /etc/docker/certs.d/<hostPort>/ca.crt} as the daemon sees it. */
        public Builder trustCa(String hostPort, byte[] caPem) {
            cas.put(hostPort, caPem.clone());
            return this;
        }

        /** The daemon's {@code daemon.json}, e.g. {@code {"registry-mirrors":["http://127.0.0.1:5001"]}}. */
        public Builder daemonJson(String json) {
            daemonJson = json;
            return this;
        }

        /** Starts the daemon and waits until its API answers; skips (or fails under CI) where it cannot run. */
        public PrivateDockerd start() {
            String reason = unavailableReason();
            if (reason != null) skipOrFail(reason);
            Path dir;
            try {
                // Short: the API socket and containerd's socket live below it.
                dir = Files.createTempDirectory(Path.of("/tmp"), "wd");
                Path etc = Files.createDirectories(dir.resolve("etc"));
                Files.writeString(etc.resolve("daemon.json"), daemonJson);
                for (Map.Entry<String, byte[]> ca : cas.entrySet()) {
                    Path hostDir = Files.createDirectories(etc.resolve("certs.d").resolve(ca.getKey()));
                    Files.write(hostDir.resolve("ca.crt"), ca.getValue());
                }
                StringBuilder hosts = new StringBuilder("127.0.0.1 localhost\n");
                for (String alias : aliases) hosts.append("::1 ").append(alias).append('\n');
                Files.writeString(dir.resolve("hosts"), hosts);
                // The mount points must exist on the host; /etc/docker usually does (docker.io, docker-registry).
                Files.createDirectories(Path.of("/etc/docker"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // SBIN as onPath searched it: under a PATH without it (a non-login shell) the shell would find no dockerd
            // (nor dockerd its runc) and the docker tests would skip.
            String script = "set -e\n"
                    + "export PATH=\"$PATH:" + SBIN + "\"\n"
                    + "mount --bind " + dir.resolve("hosts") + " /etc/hosts\n"
                    + "mount --bind " + dir.resolve("etc") + " /etc/docker\n"
                    + "exec dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs"
                    + " --config-file " + dir.resolve("etc/daemon.json")
                    + " --data-root " + dir.resolve("d") + " --exec-root " + dir.resolve("e")
                    + " -H unix://" + dir.resolve("s") + " --pidfile " + dir.resolve("p") + "\n";
            Path log = ChildProcess.logDir().resolve("dockerd-" + dir.getFileName() + ".log");
            // unshare and sh exec: the child's PID is dockerd's.
            Process process = ChildProcess.start(
                    List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", script), Map.of(), log);
            PrivateDockerd daemon = new PrivateDockerd(dir, process, log);
            String failure = daemon.awaitApi();
            if (failure != null) {
                daemon.close();
                skipOrFail("dockerd did not start: " + failure + "\n" + ChildProcess.tail(log));
            }
            return daemon;
        }
    }

    /** Null when dockerd can be tried here, else why not. */
    private static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) return "dockerd needs root; running as "
                + System.getProperty("user.name");
        for (String tool : List.of("dockerd", "docker", "unshare", "mount")) {
            if (!onPath(tool)) return tool + " is not installed (apt-get install docker.io util-linux)";
        }
        return null;
    }

    private static void skipOrFail(String reason) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException("CI must run the docker CLI tests, but " + reason);
        }
        Assumptions.abort("skipped: a private dockerd cannot run on this machine: " + reason);
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String entry : (path + ":" + SBIN).split(":")) {
            if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, tool))) return true;
        }
        return false;
    }

    /** Null once {@code docker version} reaches the daemon; else the reason it did not. */
    private String awaitApi() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Result last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) return "dockerd exited with " + process.exitValue();
            if (Files.exists(dir.resolve("s"))) {
                last = docker(Duration.ofSeconds(10), null, "version", "--format", "{{.Server.Version}}");
                if (last.ok()) return null;
            }
            sleep(200);
        }
        return "no answer after " + START_TIMEOUT + (last == null ? "" : ": " + last);
    }

    /** {@code unix://…}: the API socket, for DOCKER_HOST. */
    public String host() {
        return "unix://" + dir.resolve("s");
    }

    /** The directory the daemon sees as /etc/docker (daemon.json, certs.d). */
    public Path configDir() {
        return dir.resolve("etc");
    }

    /** The CLI's DOCKER_CONFIG (config.json with the credentials of {@code docker login}). */
    public Path cliConfigDir() {
        return dir.resolve("cli");
    }

    public long pid() {
        return process.pid();
    }

    /** Runs {@code docker args…} against this daemon; never throws on a non-zero exit. */
    public Result docker(String... args) {
        return docker(COMMAND_TIMEOUT, null, args);
    }

    /** {@code docker args…} with {@code stdin} (e.g. a password for {@code --password-stdin}); null: none. */
    public Result docker(Duration timeout, String stdin, String... args) {
        List<String> command = new ArrayList<>();
        command.add("docker");
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile(dir, "out", ".txt");
            Path err = Files.createTempFile(dir, "err", ".txt");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                        .redirectError(err.toFile());
                builder.environment().put("DOCKER_HOST", host());
                builder.environment().put("DOCKER_CONFIG", cliConfigDir().toString());
                builder.environment().remove("DOCKER_CERT_PATH");
                builder.environment().remove("DOCKER_TLS_VERIFY");
                builder.environment().remove("DOCKER_CONTEXT");
                if (stdin == null) builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                Process cli = builder.start();
                if (stdin != null) {
                    try (var in = cli.getOutputStream()) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                }
                boolean exited;
                try {
                    exited = cli.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } finally {
                    if (cli.isAlive()) cli.destroyForcibly().waitFor();
                }
                return new Result(exited ? cli.exitValue() : -1, Files.readString(out),
                        (exited ? "" : "timed out after " + timeout + "\n") + Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** As {@link #docker(String...)} but fails the test on a non-zero exit, showing both outputs. */
    public Result dockerOk(String... args) {
        Result result = docker(args);
        if (!result.ok()) {
            throw new AssertionError("docker " + String.join(" ", args) + " failed: " + result);
        }
        return result;
    }

    /**
     * {@code command} wrapped to run in a mount namespace of its own with this daemon's /etc/hosts, so a client
     * on the host (skopeo, curl) reaches the {@link Builder#hostAlias} names exactly as the daemon does.
     */
    public List<String> withDaemonHosts(List<String> command) {
        StringBuilder script = new StringBuilder("mount --bind " + dir.resolve("hosts") + " /etc/hosts && exec");
        for (String arg : command) script.append(" '").append(arg.replace("'", "'\\''")).append('\'');
        return List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", script.toString());
    }

    /** The daemon's log so far (for assertion messages). */
    public String logTail() {
        return ChildProcess.tail(log);
    }

    /** SIGTERM to dockerd's PID (it stops its containerd), SIGKILL if it lingers; then its directory goes. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteTree(dir);
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // vfs layers may hold read-only directories; what is left lives under /tmp.
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // Best effort, see above.
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
