package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.it.support.FreePort;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's run command as a new user types it: {@code ./wharf serve} from the repository root, with the
 * machine's default java (17 here) first on PATH and no JAVA_HOME. The launcher must find a JDK >= 21 itself,
 * record its class cache for this build, serve, and stop gracefully on SIGTERM.
 */
class LauncherIT {
    private static final Path ROOT = Path.of(System.getProperty("wharf.jar", "target/wharf.jar"))
            .toAbsolutePath().getParent().getParent();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir Path work;

    @Test
    void selfTestPassesAndLeavesAClassCacheForThisBuild() throws Exception {
        Process p = launcher(Map.of(), "self-test", null);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("self-test passed");
        assertThat(classCaches()).hasSize(1);
    }

    @Test
    void serveStartsWithoutJavaHomeAndStopsOnSigterm() throws Exception {
        int port = FreePort.pick();
        Path log = work.resolve("serve.log");
        Process p = launcher(Map.of("WHARF_ADDR", "127.0.0.1:" + port,
                "WHARF_DATA_DIR", work.resolve("data").toString()), "serve", log);
        try {
            awaitReady(p, "http://127.0.0.1:" + port + "/readyz");
            assertThat(get("http://127.0.0.1:" + port + "/v2/").statusCode()).isEqualTo(401);
            assertThat(Files.exists(work.resolve("data").resolve("wharf.db"))).isTrue();
            assertThat(classCaches()).hasSize(1);
            // SQLite's library is loaded from this build's copy next to the jar, not extracted to /tmp again.
            String maps = Files.readString(Path.of("/proc/" + p.pid() + "/maps"));
            assertThat(maps).containsPattern("/target/wharf-[0-9]+\\.cache/libsqlitejdbc\\.so")
                    .doesNotContainPattern("sqlite-[^/ ]*-libsqlitejdbc\\.so");
            // With a JDK 25 cache the JVM compiles what the training run made hot at start (the flag is experimental,
            // so the launcher uses it only once the training run has seen this JVM accept it).
            String commandLine = Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).replace('\0', ' ');
            if (classCaches().get(0).toString().endsWith(".aot")) {
                assertThat(commandLine).contains("-XX:+UnlockExperimentalVMOptions -XX:+AOTCompileEagerly");
            } else {
                assertThat(commandLine).doesNotContain("AOTCompileEagerly");
            }
        } finally {
            p.destroy(); // SIGTERM: the launcher exec'd java, so this reaches the JVM's shutdown hook
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stopped after SIGTERM").isTrue();
        }
        // A new node's database is a copy of this build's migrated schema, which the class cache's training run kept.
        assertThat(Files.readString(log)).contains("ready on").contains("stopping").contains("stopped")
                .containsPattern("new database \\S+wharf\\.db: schema copied from this build's template"
                        + " \\S+/target/wharf-[0-9]+\\.cache/schema\\.sqlite");
    }

    /**
     * The JDK is chosen by the version in its {@code release} file (a symlinked java, as /usr/bin/java is, resolved
     * first), or by asking the binary when there is none; the newest >= 21 wins, an older one is passed over. The
     * fakes with a release file answer the question with another version, so the test tells which way was taken.
     */
    @Test
    void choosesTheNewestJdkByItsReleaseFileOrByAskingIt() throws Exception {
        Path newest = fakeJdk("jdk-99", "JAVA_VERSION=\"99.0.1\"\n", "19");
        Path links = Files.createDirectories(work.resolve("links"));
        Files.createSymbolicLink(links.resolve("java"), newest);
        assertThat(run(Map.of("WHARF_JAVA", links.resolve("java").toString())))
                .contains("fake java jdk-99:").contains("-jar " + ROOT.resolve("target/wharf.jar"))
                .endsWith("--version\n")
                // The experimental flags only go to the java the training run saw take them.
                .doesNotContain("AOTCompileEagerly");

        Path noRelease = fakeJdk("jdk-98", null, "98");
        assertThat(run(Map.of("WHARF_JAVA", noRelease.toString()))).contains("fake java jdk-98:");

        Path tooOld = fakeJdk("jdk-20", "JAVA_VERSION=\"20\"\n", "99");
        assertThat(run(Map.of("WHARF_JAVA", tooOld.toString()))).doesNotContain("fake java").startsWith("wharf ");
    }

    /**
     * The README's test command: without JAVA_HOME, {@code ./mvnw} runs Maven itself on a JDK >= 21 even when the
     * java first on PATH is older, so that the unit tests get their two JVMs (pom.xml, parallel-unit-tests); a
     * JAVA_HOME that is set is left as it is.
     */
    @Test
    void mavenWrapperRunsMavenOnAJdkOf21OrNewerWithoutJavaHome() throws Exception {
        String withoutJavaHome = mavenVersion(null);
        assertThat(withoutJavaHome).containsPattern("Java version: (2[1-9]|[3-9][0-9])");

        Path pathJava = Path.of("/usr/bin/java").toRealPath();
        Path pathJdk = pathJava.getParent().getParent();
        String withJavaHome = mavenVersion(pathJdk);
        assertThat(withJavaHome).contains("runtime: " + pathJdk);
    }

    private String mavenVersion(Path javaHome) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(ROOT.resolve("mvnw").toString(), "-B", "-v")
                .directory(ROOT.toFile()).redirectErrorStream(true);
        builder.environment().remove("JAVA_HOME");
        builder.environment().remove("MAVEN_OPTS");
        builder.environment().put("PATH", "/usr/bin:/bin:/usr/local/bin");
        if (javaHome != null) builder.environment().put("JAVA_HOME", javaHome.toString());
        Process p = builder.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        return output;
    }

    /**
     * A JDK directory whose bin/java says which it is when run with -jar, and answers the launcher's question for
     * its version with {@code answer} (java.specification.version, on stderr as a real JDK does); {@code release}
     * (the file's content) may be null.
     */
    private Path fakeJdk(String name, String release, String answer) throws IOException {
        Path home = work.resolve(name);
        Path binary = Files.createDirectories(home.resolve("bin")).resolve("java");
        if (release != null) Files.writeString(home.resolve("release"), release);
        Files.writeString(binary, """
                #!/bin/sh
                case "$1" in -XshowSettings*) echo "    java.specification.version = %s" >&2; exit 0 ;; esac
                echo "fake java %s: $*"
                """.formatted(answer, name));
        Files.setPosixFilePermissions(binary, PosixFilePermissions.fromString("rwxr-xr-x"));
        return binary;
    }

    private String run(Map<String, String> env) throws Exception {
        Process p = launcher(env, "--version", null);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        return output;
    }

    /** Runs ./wharf from the repository root with a PATH whose first java is the machine's default. */
    private Process launcher(Map<String, String> env, String command, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(ROOT.resolve("wharf").toString(), command)
                .directory(work.toFile()).redirectErrorStream(true);
        if (log != null) builder.redirectOutput(log.toFile());
        builder.environment().remove("JAVA_HOME");
        builder.environment().entrySet().removeIf(e -> e.getKey().startsWith("WHARF_"));
        builder.environment().put("PATH", "/usr/bin:/bin:/usr/local/bin");
        builder.environment().putAll(env);
        return builder.start();
    }

    private static Stream<Path> cacheFiles() throws IOException {
        return Files.list(ROOT.resolve("target")).filter(f -> {
            String name = f.getFileName().toString();
            return name.startsWith("wharf-") && (name.endsWith(".aot") || name.endsWith(".jsa"));
        });
    }

    private static java.util.List<Path> classCaches() throws IOException {
        try (Stream<Path> files = cacheFiles()) {
            return files.toList();
        }
    }

    private static void awaitReady(Process p, String url) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3); // includes recording the class cache
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new AssertionError("launcher exited with " + p.exitValue());
            }
            try {
                if (get(url).statusCode() == 200) return;
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not ready at " + url);
    }

    private static HttpResponse<Void> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding());
    }
}
