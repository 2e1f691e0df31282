package dev.wharf.sources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.HttpsFiles;
import dev.wharf.tls.SelfSignedCa;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * outbound.ca_file reaches Git clones: a repository served over HTTPS with a certificate of a private CA (git's
 * "dumb" HTTP protocol, plain files) is refused by git as the system's CAs have it, and cloned once git gets the
 * CA bundle GitTls writes, as BuildContext gives it to the clone of a build.
 */
class GitTlsTest {
    @TempDir
    Path dir;

    @Test
    void gitTrustsAPrivateCaOnlyThroughTheBundle() throws Exception {
        Instant now = Instant.now();
        SelfSignedCa.Issued issued = SelfSignedCa.ensure(Files.createDirectory(dir.resolve("ca")),
                List.of("127.0.0.1"), now);
        X509Certificate ca;
        try (InputStream in = Files.newInputStream(issued.ca())) {
            ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        Path bare = bareRepository(dir.resolve("src"), dir.resolve("repo.git"));
        try (HttpsFiles server = new HttpsFiles(bare, "repo.git", issued)) {
            String url = server.url("repo.git");
            Path work = Files.createDirectory(dir.resolve("work"));

            assertThat(GitTls.environment(List.of(), work)).as("nothing without outbound.ca_file").isEmpty();
            GitResult refused = clone(url, dir.resolve("refused"), Map.of());
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.output()).containsIgnoringCase("certificate");

            Map<String, String> trusting = GitTls.environment(List.of(ca), work);
            assertThat(trusting).containsOnlyKeys("GIT_SSL_CAINFO");
            String bundle = Files.readString(Path.of(trusting.get("GIT_SSL_CAINFO")));
            assertThat(bundle.split("BEGIN CERTIFICATE", -1).length - 1).as("the JDK's CAs and the operator's")
                    .isGreaterThan(1);
            GitResult cloned = clone(url, dir.resolve("cloned"), trusting);
            assertThat(cloned.exit()).as(cloned.output()).isZero();
            assertThat(Files.readString(dir.resolve("cloned").resolve("hello.txt"))).isEqualTo("hello over tls\n");
        }
    }

    private record GitResult(int exit, String output) {}

    /** A clone with the environment BuildContext gives git, plus {@code extra}. */
    private GitResult clone(String url, Path into, Map<String, String> extra) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("HOME", dir.toString(), "GIT_TERMINAL_PROMPT", "0",
                "GIT_CONFIG_NOSYSTEM", "1", "GIT_CONFIG_GLOBAL", "/dev/null", "GIT_ALLOW_PROTOCOL", "https"));
        env.putAll(extra);
        return git(dir, env, "clone", "--quiet", "--", url, into.toString());
    }

    private static Path bareRepository(Path source, Path bare) throws Exception {
        Files.createDirectories(source);
        Files.writeString(source.resolve("hello.txt"), "hello over tls\n");
        Map<String, String> env = Map.of("HOME", source.toString(), "GIT_CONFIG_NOSYSTEM", "1",
                "GIT_CONFIG_GLOBAL", "/dev/null");
        for (List<String> step : List.of(List.of("init", "--quiet", "--initial-branch=main"), List.of("add", "."),
                List.of("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "one"))) {
            GitResult r = git(source, env, step.toArray(String[]::new));
            assertThat(r.exit()).as(r.output()).isZero();
        }
        GitResult clone = git(source, env, "clone", "--quiet", "--bare", source.toString(), bare.toString());
        assertThat(clone.exit()).as(clone.output()).isZero();
        GitResult info = git(bare, env, "update-server-info");
        assertThat(info.exit()).as(info.output()).isZero();
        return bare;
    }

    private static GitResult git(Path in, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(in.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new GitResult(p.exitValue(), output);
    }
}
