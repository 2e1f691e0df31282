package dev.wharf.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** CNCF Distribution ({@code docker-registry}, the Debian package) as the reference registry. */
public final class DistributionProcess extends ChildServer {
    private static final String BINARY = "/usr/bin/docker-registry";

    private final Path config;
    private final boolean auth;

    private DistributionProcess(Path config, int port, boolean auth) {
        super("distribution", port);
        this.config = config;
        this.auth = auth;
    }

    /** No authentication, deletes enabled, storage under {@code dir/storage}. */
    public static DistributionProcess start(Path dir) {
        return launch(dir, null);
    }

    /** As {@link #start(Path)} but with basic auth for one user; check {@link #htpasswdAvailable()} first. */
    public static DistributionProcess startWithUser(Path dir, String user, String password) {
        return launch(dir, htpasswd(dir, user, password));
    }

    /** Distribution only reads bcrypt entries; {@code htpasswd} (apache2-utils) is the tool that writes them. */
    public static boolean htpasswdAvailable() {
        return Files.isExecutable(Path.of("/usr/bin/htpasswd"));
    }

    private static Path htpasswd(Path dir, String user, String password) {
        try {
            Process p = new ProcessBuilder("/usr/bin/htpasswd", "-Bbn", user, password).start();
            byte[] line = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("htpasswd failed: " + new String(p.getErrorStream().readAllBytes()));
            }
            return Files.write(dir.resolve("htpasswd"), line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static DistributionProcess launch(Path dir, Path htpasswd) {
        int port = FreePort.pick();
        String yaml = """
                version: 0.1
                log:
                  level: info
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("storage"), port);
        if (htpasswd != null) {
            yaml += """
                    auth:
                      htpasswd:
                        realm: wharf-it
                        path: %s
                    """.formatted(htpasswd);
        }
        try {
            DistributionProcess registry = new DistributionProcess(
                    Files.writeString(dir.resolve("config-" + port + ".yml"), yaml), port, htpasswd != null);
            registry.launch();
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void launch() {
        process = ChildProcess.start(List.of(BINARY, "serve", config.toString()), Map.of(), log);
        // With auth on, an anonymous /v2/ answers 401, which also proves the server is up.
        ChildProcess.awaitReady(process, "http://" + host() + "/v2/",
                status -> status == 200 || (auth && status == 401), log);
    }
}
