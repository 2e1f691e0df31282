package dev.wharf.it.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The packaged Wharf jar ({@code -Dwharf.jar}, set by failsafe) running {@code serve} on a loopback port. */
public final class WharfProcess implements RegistryServer {
    private final Path jar;
    private final Path dataDir;
    private final int port;
    private final Map<String, String> env;
    private final Path log;
    private Process process;

    private WharfProcess(Path jar, Path dataDir, int port, Map<String, String> extraEnv) {
        this.jar = jar;
        this.dataDir = dataDir;
        this.port = port;
        this.env = new HashMap<>(extraEnv);
        env.put("WHARF_ADDR", host());
        env.put("WHARF_DATA_DIR", dataDir.toString());
        this.log = ChildProcess.logDir().resolve("wharf-" + port + ".log");
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
        return wharf;
    }

    /** The JVM running the tests is a JDK >= 21 (maven toolchain); the shell's default java may not be. */
    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private void launch() {
        process = ChildProcess.start(List.of(javaBinary(), "-jar", jar.toString(), "serve"), env, log);
        ChildProcess.awaitReady(process, "http://" + host() + "/readyz", status -> status == 200, log);
    }

    @Override
    public String host() {
        return "127.0.0.1:" + port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void stop() {
        ChildProcess.terminate(process, log);
    }

    @Override
    public void kill9() {
        ChildProcess.kill(process);
    }

    @Override
    public void restart() {
        if (process.isAlive()) {
            throw new IllegalStateException("still running: stop() or kill9() first");
        }
        launch();
    }

    @Override
    public Path logFile() {
        return log;
    }

    @Override
    public void close() {
        if (process != null) {
            stop();
        }
    }
}
