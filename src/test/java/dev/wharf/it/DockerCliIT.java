package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.PrivateDockerd;
import dev.wharf.it.support.TlsWharf;
import dev.wharf.testing.ChildJvm;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker CLI as a client of Wharf over TLS: a private dockerd ({@link PrivateDockerd}) trusts Wharf's
 * self-signed CA through its certs.d only (the registry is not an insecure one: its name resolves to ::1, not to
 * 127.0.0.0/8, which dockerd would never verify), and {@code docker login} (password, then access token),
 * {@code push}, {@code pull} by tag, by digest and per platform of a multi-arch image, {@code search} and
 * {@code logout} all work. Wharf listens on TLS alone, so every byte went over TLS; the same daemon fails to log in
 * under a name whose CA it was not given.
 */
class DockerCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAME = "reg.wharf.test";
    private static final String UNTRUSTED_NAME = "other.wharf.test";
    private static final String PASSWORD = "Alice-docker-pass-1";

    @TempDir
    Path dir;

    @Test
    void dockerLogsInPushesPullsSearchesAndLogsOutOverTls() throws Exception {
        Path data = dir.resolve("data");
        try (TlsWharf wharf = TlsWharf.start(data, "--addr", "[::1]:0", "--tls-self-signed",
                "--tls-hosts", NAME + "," + UNTRUSTED_NAME + ",::1")) {
            int port = wharf.port();
            String registry = NAME + ":" + port;
            byte[] ca = Files.readAllBytes(data.resolve("tls/ca.crt"));
            assertThat(wharf.outputOnceItContains("/etc/docker/certs.d/" + registry + "/ca.crt"))
                    .contains("/etc/docker/certs.d/" + registry + "/ca.crt");
            cli(data, "user", "create", "alice", "--email", "alice@example.test", "--password", PASSWORD);
            cli(data, "user", "create", "mallory", "--email", "mallory@example.test", "--password", PASSWORD);
            String accessToken = accessToken(port, ca);

            try (PrivateDockerd docker = PrivateDockerd.builder().hostAlias(NAME).hostAlias(UNTRUSTED_NAME)
                    .trustCa(registry, ca).start()) {
                // The plain port is closed: Wharf listens on TLS only, so plain HTTP gets no answer there.
                Process plain = new ProcessBuilder(docker.withDaemonHosts(List.of("curl", "-s", "--max-time", "5",
                        "-o", "/dev/null", "-w", "%{http_code}", "http://" + registry + "/v2/"))).start();
                plain.waitFor(30, TimeUnit.SECONDS);
                assertThat(new String(plain.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                        .isNotIn("401", "200");

                // Seed a multi-arch image the way a CI would (skopeo, with the CA as --dest-cert-dir).
                Path layout = dir.resolve("layout");
                OciLayouts.multiArch(layout, "multi", 7, 4096);
                OciLayouts.image(layout, "single", 11, 8192);
                Path certDir = Files.createDirectories(dir.resolve("certs"));
                Files.write(certDir.resolve("ca.crt"), ca);
                run(docker.withDaemonHosts(List.of("skopeo", "--insecure-policy", "copy", "--all",
                        "--preserve-digests", "--dest-cert-dir", certDir.toString(), "--dest-creds",
                        "alice:" + PASSWORD, "oci:" + layout + ":multi", "docker://" + registry + "/alice/multi:1")));
                Path archive = dir.resolve("app.tar");
                run(List.of("skopeo", "--insecure-policy", "copy", "oci:" + layout + ":single",
                        "docker-archive:" + archive + ":app:1"));

                // A name the certificate covers but the daemon has no CA for: refused (certs.d is what makes it work).
                PrivateDockerd.Result untrusted = docker.docker(java.time.Duration.ofMinutes(1), PASSWORD, "login",
                        UNTRUSTED_NAME + ":" + port, "-u", "alice", "--password-stdin");
                assertThat(untrusted.ok()).isFalse();
                assertThat(untrusted.stderr()).contains("certificate signed by unknown authority");

                // login with the password
                PrivateDockerd.Result login = docker.docker(java.time.Duration.ofMinutes(1), PASSWORD, "login",
                        registry, "-u", "alice", "--password-stdin");
                assertThat(login.ok()).as(login.toString()).isTrue();
                assertThat(login.stdout()).contains("Login Succeeded");
                assertThat(Files.readString(docker.cliConfigDir().resolve("config.json"))).contains(registry);

                // push an image loaded from a tarball
                docker.dockerOk("load", "-i", archive.toString());
                docker.dockerOk("tag", "app:1", registry + "/alice/app:1");
                PrivateDockerd.Result push = docker.dockerOk("push", registry + "/alice/app:1");
                Matcher digest = Pattern.compile("digest: (sha256:[0-9a-f]{64})").matcher(push.stdout());
                assertThat(digest.find()).as(push.stdout()).isTrue();
                String pushed = digest.group(1);
                docker.dockerOk("rmi", registry + "/alice/app:1", "app:1");

                // pull by tag, by digest
                docker.dockerOk("pull", registry + "/alice/app:1");
                assertThat(docker.dockerOk("image", "inspect", "--format", "{{json .RepoDigests}}",
                        registry + "/alice/app:1").stdout()).contains(pushed);
                docker.dockerOk("rmi", registry + "/alice/app:1");
                docker.dockerOk("pull", registry + "/alice/app@" + pushed);

                // pull one platform of the multi-arch image, then the other
                docker.dockerOk("pull", "--platform", "linux/arm64", registry + "/alice/multi:1");
                assertThat(docker.dockerOk("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}",
                        registry + "/alice/multi:1").stdout().trim()).isEqualTo("linux/arm64");
                docker.dockerOk("rmi", registry + "/alice/multi:1");
                docker.dockerOk("pull", "--platform", "linux/amd64", registry + "/alice/multi:1");
                assertThat(docker.dockerOk("image", "inspect", "--format", "{{.Architecture}}",
                        registry + "/alice/multi:1").stdout().trim()).isEqualTo("amd64");

                // search: alice's private repositories are listed for her
                PrivateDockerd.Result search = docker.dockerOk("search", registry + "/app");
                assertThat(search.stdout()).contains("alice/app");
                assertThat(docker.dockerOk("search", registry + "/multi").stdout()).contains("alice/multi");

                // logout: the credentials are gone, private repositories vanish from search and refuse pulls
                docker.dockerOk("logout", registry);
                assertThat(Files.readString(docker.cliConfigDir().resolve("config.json"))).doesNotContain(registry);
                assertThat(docker.dockerOk("search", registry + "/app").stdout()).doesNotContain("alice/app");
                docker.dockerOk("rmi", registry + "/alice/app@" + pushed);
                assertThat(docker.docker("pull", registry + "/alice/app:1").ok()).isFalse();

                // another user sees none of it either
                assertThat(docker.docker(java.time.Duration.ofMinutes(1), PASSWORD, "login", registry, "-u", "mallory",
                        "--password-stdin").ok()).isTrue();
                assertThat(docker.dockerOk("search", registry + "/app").stdout()).doesNotContain("alice/app");
                assertThat(docker.docker("pull", registry + "/alice/app:1").ok()).isFalse();
                docker.dockerOk("logout", registry);

                // login with an access token instead of the password
                PrivateDockerd.Result tokenLogin = docker.docker(java.time.Duration.ofMinutes(1), accessToken,
                        "login", registry, "-u", "alice", "--password-stdin");
                assertThat(tokenLogin.ok()).as(tokenLogin.toString()).isTrue();
                docker.dockerOk("pull", registry + "/alice/app:1");
                assertThat(docker.dockerOk("search", registry + "/app").stdout()).contains("alice/app");
                docker.dockerOk("logout", registry);
            }
        }
    }

    /** A read-scoped personal access token of alice, made through the Hub API over HTTPS (HTTP/2). */
    private static String accessToken(int port, byte[] caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("wharf", CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(caPem)));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient http = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_2).build();
        String base = "https://[::1]:" + port;
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/users/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"alice\",\"password\":\"" + PASSWORD + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        assertThat(login.version()).isEqualTo(HttpClient.Version.HTTP_2);
        String session = JSON.readTree(login.body()).path("token").asText();
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/access-tokens"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + session)
                .POST(HttpRequest.BodyPublishers.ofString("{\"token_label\":\"docker\",\"scopes\":[\"repo:read\"]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode token = JSON.readTree(created.body());
        return token.path("token").asText();
    }

    /** The jar's admin command against the running server's data directory. */
    private static void cli(Path data, String... args) throws Exception {
        List<String> command = ChildJvm.jar(System.getProperty("wharf.jar"), args);
        command.addAll(List.of("--data-dir", data.toString()));
        run(command);
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(command + " timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(command + ": " + text).isZero();
        return text;
    }
}
