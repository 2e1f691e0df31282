package dev.wharf.it.support;

import dev.wharf.testing.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The packaged Wharf jar ({@code -Dwharf.jar}, set by failsafe) running {@code serve} on a loopback port, with
 * token auth on (the default) and a known administrator, whose credentials skopeo's auth file then holds for
 * this host.
 */
public final class WharfProcess extends ChildServer {
    /** The administrator created at first start (unless {@code extraEnv} names another). */
    public static final Credentials ADMIN = new Credentials("admin", "it-admin-secret-1");

    private final Path jar;
    private final Path dataDir;
    private final Map<String, String> env;
    private final Credentials admin;
    /** Bytes of the private tmpfs the data directory is mounted on, or 0 for the test's own file system. */
    private long diskBytes;

    private WharfProcess(Path jar, Path dataDir, int port, Map<String, String> extraEnv) {
        super("wharf", port);
        this.jar = jar;
        this.dataDir = dataDir;
        this.env = new HashMap<>(extraEnv);
        env.putIfAbsent("WHARF_ADMIN_USER", ADMIN.username());
        env.putIfAbsent("WHARF_ADMIN_PASSWORD", ADMIN.password());
        env.put("WHARF_ADDR", host());
        env.put("WHARF_DATA_DIR", dataDir.toString());
        // The tests' upstreams (Distribution, other Wharf nodes, context servers) listen on loopback, which the
        // outbound policy refuses by default; a test may set its own value.
        env.putIfAbsent("WHARF_OUTBOUND_ALLOW", "127.0.0.0/8");
        this.admin = new Credentials(env.get("WHARF_ADMIN_USER"), env.get("WHARF_ADMIN_PASSWORD"));
    }

    public static WharfProcess start(Path dataDir) {
        return start(dataDir, Map.of());
    }

    public static WharfProcess start(Path dataDir, Map<String, String> extraEnv) {
        String jar = System.getProperty("wharf.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("-Dwharf.jar is not a file (" + jar + "); run the ITs with ./mvnw verify");
        }
        WharfProcess wharf = new WharfProcess(Path.of(jar), dataDir, FreePort.pick(), extraEnv);
        wharf.launch();
        Skopeo.rememberCredentials(wharf.host(), wharf.admin);
        return wharf;
    }

    /**
     * As {@link #start(Path)}, with the data directory on a tmpfs of {@code mib} MiB that only this process sees (a
     * mount namespace of its own, inside an unprivileged user namespace, as the build sandbox uses), so a test can
     * fill the disk under a real node. The files are gone with the process; the test sees the node through HTTP.
     */
    public static WharfProcess startOnSmallDisk(Path dataDir, int mib) {
        return startOnSmallDisk(dataDir, mib, Map.of());
    }

    /** {@link #startOnSmallDisk(Path, int)} with settings of the test's own, as {@link #start(Path, Map)}. */
    public static WharfProcess startOnSmallDisk(Path dataDir, int mib, Map<String, String> extraEnv) {
        String jar = System.getProperty("wharf.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("-Dwharf.jar is not a file (" + jar + "); run the ITs with ./mvnw verify");
        }
        WharfProcess wharf = new WharfProcess(Path.of(jar), dataDir, FreePort.pick(), extraEnv);
        wharf.diskBytes = mib * 1024L * 1024L;
        wharf.launch();
        Skopeo.rememberCredentials(wharf.host(), wharf.admin);
        return wharf;
    }

    /**
     * Runs an admin command of the jar ({@code user create ...}, {@code org create ...}) against this server's
     * data directory while it runs, and returns its output; fails the test if it exits non-zero.
     */
    public String cli(String... args) {
        List<String> command = ChildJvm.jar(jar.toString(), args);
        command.addAll(List.of("--data-dir", dataDir.toString()));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly().waitFor();
                throw new IllegalStateException("wharf " + String.join(" ", args) + " timed out");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("wharf " + String.join(" ", args) + " exited " + p.exitValue()
                        + ": " + text);
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Creates a plain user with the CLI and returns its credentials. */
    public Credentials createUser(String name, String password) {
        cli("user", "create", name, "--email", name + "@example.test", "--password", password);
        return new Credentials(name, password);
    }

    @Override
    protected void launch() {
        long startedBefore = startedLines();
        List<String> command = ChildJvm.jar(jar.toString(), "serve");
        if (diskBytes > 0) {
            // unshare and sh exec, so the child's PID is the JVM's and stop() signals it directly.
            List<String> wrapped = new ArrayList<>(List.of("unshare", "--user", "--map-root-user", "--mount", "sh",
                    "-c", "mount -t tmpfs -o mode=0700,size=" + diskBytes + " wharf-small-disk \"$0\" && exec \"$@\"",
                    dataDir.toString()));
            wrapped.addAll(command);
            command = wrapped;
        }
        process = ChildProcess.start(command, env, log);
        ChildProcess.awaitReady(process, "http://" + host() + "/readyz", status -> status == 200, log);
        awaitStartupLogged(startedBefore);
    }

    /** The status /readyz answers now. */
    public int readyz() {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://" + host() + "/readyz")).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits, as a load balancer would, until /readyz answers 200 again (after a dependency came back). */
    public void awaitReadyAgain(java.time.Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (readyz() != 200) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("/readyz not 200 within " + within + "; log:\n" + ChildProcess.tail(log));
            }
            Thread.sleep(200);
        }
    }

    /**
     * /readyz answers as soon as Jetty listens, but the administrator is created on first start concurrently and
     * only joined before the "ready on" line is logged; logging in before that fails. So wait for that line too.
     */
    private void awaitStartupLogged(long startedBefore) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (startedLines() <= startedBefore) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("no 'ready on' line in the log; log:\n" + ChildProcess.tail(log));
            }
            ChildProcess.sleep(50);
        }
    }

    private long startedLines() {
        try (var lines = Files.lines(log)) {
            return lines.filter(l -> l.contains(" ready on " + host())).count();
        } catch (IOException | UncheckedIOException e) {
            return 0; // no log yet, or a line cut in the middle of a character: look again
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    /**
     * The files of the mirror downloads running on the node with this data directory (a {@code WharfProcess} or a
     * {@code TlsWharf}); each goes once its blob is stored or dropped.
     */
    public static List<Path> mirrorDownloads(Path dataDir) throws IOException {
        Path dir = dataDir.resolve("mirror-downloads");
        if (!Files.isDirectory(dir)) return List.of();
        try (var files = Files.list(dir)) {
            return files.toList();
        }
    }

    /**
     * Waits up to {@code within} until no mirror download is left on the node with this data directory (a mirror
     * stores a blob a moment after its client had the last byte), and fails the test if one still is.
     */
    public static void awaitNoMirrorDownloads(Path dataDir, java.time.Duration within)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!mirrorDownloads(dataDir).isEmpty() && System.nanoTime() < deadline) Thread.sleep(50);
        List<Path> left = mirrorDownloads(dataDir);
        if (!left.isEmpty()) throw new AssertionError("mirror downloads still in " + dataDir + ": " + left);
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public Optional<Credentials> credentials() {
        return Optional.of(admin);
    }
}
