package dev.wharf.it.support;

import dev.wharf.testing.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged jar running {@code serve} with whatever flags a TLS test needs (port 0 picks free ports), stdout and
 * stderr in one log under target/it-logs. Ready when the "ready on" line is logged; {@link #port()} and
 * {@link #healthPort()} come from that line. {@link #runToExit} runs a start that is expected to fail.
 */
public final class TlsWharf implements AutoCloseable {
    private static final Pattern READY = Pattern.compile(" ready on \\S+:(\\d+) in .*?(?:plain HTTP on port (\\d+))?$");

    public static final Credentials ADMIN = WharfProcess.ADMIN;

    private final Process process;
    private final Path log;
    private final int port;
    private final int healthPort;

    private TlsWharf(Process process, Path log, int port, int healthPort) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.healthPort = healthPort;
    }

    /** Starts {@code serve flags…} with the test administrator and no access log; waits until ready. */
    public static TlsWharf start(Path dataDir, String... flags) {
        return start(dataDir, Map.of(), flags);
    }

    /** As {@link #start(Path, String...)} with more environment (WHARF_* settings, e.g. secrets kept off argv). */
    public static TlsWharf start(Path dataDir, Map<String, String> extraEnv, String... flags) {
        Path log = ChildProcess.logDir().resolve("wharf-tls-" + dataDir.getFileName() + "-" + System.nanoTime() + ".log");
        Map<String, String> env = new java.util.HashMap<>(extraEnv);
        env.putAll(env());
        Process process = ChildProcess.start(command(dataDir, flags), env, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("wharf exited with " + process.exitValue() + "; log:\n"
                        + ChildProcess.tail(log));
            }
            for (String line : lines(log)) {
                Matcher m = READY.matcher(line);
                if (m.find()) {
                    return new TlsWharf(process, log, Integer.parseInt(m.group(1)),
                            m.group(2) == null ? -1 : Integer.parseInt(m.group(2)));
                }
            }
            sleep(50);
        }
        process.destroyForcibly();
        throw new IllegalStateException("wharf not ready; log:\n" + ChildProcess.tail(log));
    }

    /** Runs {@code serve flags…} expecting it to stop by itself (a refused start); returns exit code and output. */
    public static Map.Entry<Integer, String> runToExit(Path dataDir, String... flags) {
        Path log = ChildProcess.logDir().resolve("wharf-tls-fail-" + System.nanoTime() + ".log");
        Process process = ChildProcess.start(command(dataDir, flags), env(), log);
        try {
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("wharf started although it should not have; log:\n" + ChildProcess.tail(log));
            }
            return Map.entry(process.exitValue(), Files.readString(log));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<String> command(Path dataDir, String... flags) {
        String jar = System.getProperty("wharf.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("-Dwharf.jar is not a file (" + jar + "); run the ITs with ./mvnw verify");
        }
        List<String> command = ChildJvm.jar(jar, "serve", "--data-dir", dataDir.toString(), "--log-access", "false");
        command.addAll(List.of(flags));
        return command;
    }

    private static Map<String, String> env() {
        return Map.of("WHARF_ADMIN_USER", ADMIN.username(), "WHARF_ADMIN_PASSWORD", ADMIN.password());
    }

    public int port() {
        return port;
    }

    /** The plain port of tls.http_addr, or -1. */
    public int healthPort() {
        return healthPort;
    }

    /**
     * The output once it contains {@code text}, waiting up to 10 s for it: for what the server prints after it
     * logged "ready" (the client instructions of a self-signed setup, which a test reading the output at once can
     * miss by a moment) or in the background (a certificate reload).
     */
    public String outputOnceItContains(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String output = output();
        while (!output.contains(text) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            output = output();
        }
        return output;
    }

    /** Everything the process printed so far (stdout and stderr). */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        ChildProcess.terminate(process, log);
    }

    private static List<String> lines(Path log) {
        try {
            return Files.readAllLines(log);
        } catch (IOException | UncheckedIOException e) {
            return List.of();
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
