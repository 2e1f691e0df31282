package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wharf.it.support.Credentials;
import dev.wharf.it.support.DistributionProcess;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.PrivateDockerd;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.TlsWharf;
import dev.wharf.it.support.WharfProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker CLI pulling Docker Hub names through a daemon whose {@code registry-mirrors} is Wharf: a private
 * dockerd ({@link PrivateDockerd}) with {@code "registry-mirrors": ["https://mirror.wharf.test:PORT"]}, the name
 * resolving to ::1 only and Wharf's CA in the daemon's certs.d (a verified TLS mirror, not one of the 127.0.0.0/8
 * registries dockerd never verifies). Wharf's Hub mirror has CNCF Distribution with htpasswd on loopback as its
 * "Docker Hub". The daemon cannot reach the real Docker Hub, so a pull can only succeed through Wharf; the
 * upstream's own request log and Wharf's metrics show the cold pull fetched upstream and the warm one did not.
 */
class DockerMirrorIT {
    private static final String NAME = "mirror.wharf.test";
    private static final Credentials UPSTREAM = new Credentials("hub-bot", "hub-upstream-secret-7");
    /** Distribution's access log: one combined-format line per answered request. */
    private static final Pattern SERVED = Pattern.compile("\"GET (\\S+) HTTP/1\\.1\" 200 ");

    @TempDir
    Path dir;

    @BeforeEach
    void tools() {
        assumeTrue(DistributionProcess.htpasswdAvailable(), "htpasswd (apache2-utils) is needed for the upstream");
    }

    @Test
    void dockerPullsHubNamesThroughWharfAsItsRegistryMirror() throws Exception {
        Path layout = dir.resolve("layout");
        OciLayouts.Image alpine = OciLayouts.image(layout, "alpine", 51, 3 * 1024 * 1024);
        OciLayouts.Image tool = OciLayouts.image(layout, "tool", 52, 200_000);
        Path data = dir.resolve("data");
        try (DistributionProcess hub = DistributionProcess.startWithUser(Files.createDirectories(dir.resolve("hub")),
                UPSTREAM.username(), UPSTREAM.password())) {
            for (String[] image : new String[][] {{"alpine", "library/alpine:3.20"}, {"tool", "acme/tool:1"}}) {
                Skopeo.copy(Skopeo.oci(layout, image[0]), "docker://" + hub.host() + "/" + image[1],
                        "--dest-creds", UPSTREAM.colonSeparated());
            }
            try (TlsWharf wharf = TlsWharf.start(data, Map.of(
                            "WHARF_MIRRORS_UPSTREAMS", "hub=http://" + hub.host(),
                            "WHARF_MIRRORS_CREDENTIALS", "hub=" + UPSTREAM.colonSeparated(),
                            "WHARF_MIRRORS_HUB", "hub",
                            "WHARF_OUTBOUND_ALLOW", "127.0.0.0/8"),
                    "--addr", "[::1]:0", "--tls-self-signed", "--tls-hosts", NAME + ",::1",
                    "--tls-http-addr", "127.0.0.1:0")) {
                String mirror = NAME + ":" + wharf.port();
                byte[] ca = Files.readAllBytes(data.resolve("tls/ca.crt"));
                try (PrivateDockerd docker = PrivateDockerd.builder().hostAlias(NAME).trustCa(mirror, ca)
                        .daemonJson("{\"registry-mirrors\": [\"https://" + mirror + "\"]}").start()) {
                    assertThat(docker.dockerOk("info", "--format", "{{json .RegistryConfig.Mirrors}}").stdout())
                            .as("the daemon took Wharf as its mirror").contains("https://" + mirror);
                    String blobPath = "/v2/library/alpine/blobs/";
                    String layer = layerOf(alpine);

                    // Cold: Docker Hub's name, no registry in it; only Wharf can answer, and asks its upstream.
                    PrivateDockerd.Result cold = docker.docker("pull", "alpine:3.20");
                    assertThat(cold.ok()).as(cold + "\n" + docker.logTail()).isTrue();
                    assertThat(cold.stdout()).contains(alpine.digest());
                    assertThat(served(hub, blobPath + layer)).as("the upstream served the layer once").isEqualTo(1);
                    assertThat(served(hub, "/v2/library/alpine/manifests/3.20")).isEqualTo(1);
                    String metrics = metrics(wharf);
                    assertThat(counter(metrics, "wharf_mirror_misses_total", "kind=\"blob\"")).isGreaterThanOrEqualTo(2);
                    assertThat(counter(metrics, "wharf_mirror_misses_total", "kind=\"manifest\"")).isEqualTo(1);
                    long upstreamBytes = counter(metrics, "wharf_mirror_upstream_bytes_total", "mirror=\"hub\"");
                    assertThat(upstreamBytes).isGreaterThanOrEqualTo(3 * 1024 * 1024);
                    assertThat(docker.dockerOk("image", "inspect", "--format", "{{json .RepoDigests}}", "alpine:3.20")
                            .stdout()).contains("alpine@" + alpine.digest());

                    // Warm: the image is gone from the daemon; the pull is served from Wharf's cache alone.
                    docker.dockerOk("rmi", "alpine:3.20");
                    WharfProcess.awaitNoMirrorDownloads(data, java.time.Duration.ofSeconds(30));
                    long blobHitsBefore = counter(metrics(wharf), "wharf_mirror_hits_total", "kind=\"blob\"");
                    docker.dockerOk("pull", "alpine:3.20");
                    assertThat(served(hub, blobPath + layer)).as("warm: no layer from the upstream").isEqualTo(1);
                    assertThat(served(hub, blobPath + configOf(alpine))).isEqualTo(1);
                    String warm = metrics(wharf);
                    assertThat(counter(warm, "wharf_mirror_hits_total", "kind=\"blob\"")).isGreaterThan(blobHitsBefore);
                    assertThat(counter(warm, "wharf_mirror_upstream_bytes_total", "mirror=\"hub\""))
                            .isEqualTo(upstreamBytes);

                    // A Hub name with a namespace (not library/) goes through the same mirror.
                    PrivateDockerd.Result other = docker.docker("pull", "acme/tool:1");
                    assertThat(other.ok()).as(other.toString()).isTrue();
                    assertThat(served(hub, "/v2/acme/tool/blobs/" + layerOf(tool))).isEqualTo(1);

                    // A name the upstream does not have fails (Wharf answers MANIFEST_UNKNOWN; Docker Hub itself
                    // is unreachable for the fallback), and nothing of it reaches the log with the secret.
                    assertThat(docker.docker("pull", "library/missing:1").ok()).isFalse();

                    // dockerd hands a mirror the Docker Hub credentials of `docker login` (moby/moby#42022). Wharf
                    // does not know them and refuses, so the daemon skips the mirror (and would go to Docker Hub
                    // itself): docs/operations.md tells operators not to log Docker hosts in to Docker Hub.
                    docker.dockerOk("rmi", "alpine:3.20");
                    Files.createDirectories(docker.cliConfigDir());
                    Files.writeString(docker.cliConfigDir().resolve("config.json"), "{\"auths\": {"
                            + "\"https://index.docker.io/v1/\": {\"auth\": \"" + java.util.Base64.getEncoder()
                            .encodeToString("hubuser:hub-password".getBytes()) + "\"}}}");
                    PrivateDockerd.Result loggedIn = docker.docker("pull", "alpine:3.20");
                    assertThat(loggedIn.ok()).as(loggedIn.toString()).isFalse();
                    // (dockerd's log escapes the quotes around the URL)
                    assertThat(docker.logTail()).contains("Attempting next endpoint for pull after error: Head"
                            + " \\\"https://" + mirror + "/v2/library/alpine/manifests/3.20\\\": unauthorized");
                    assertThat(wharf.output()).doesNotContain(UPSTREAM.password()).doesNotContain("hub-password");
                }
            }
        }
    }


    /** GETs of {@code uri} the upstream answered 200, from its own request log. */
    private static long served(DistributionProcess hub, String uri) throws IOException {
        Matcher m = SERVED.matcher(Files.readString(hub.logFile()));
        long n = 0;
        while (m.find()) if (m.group(1).equals(uri)) n++;
        return n;
    }

    private static String metrics(TlsWharf wharf) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + wharf.healthPort() + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    /** The value of the series of {@code name} whose labels contain {@code label}; 0 when there is none. */
    private static long counter(String metrics, String name, String label) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(name + "{") && line.contains(label)) {
                return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private static String configOf(OciLayouts.Image image) {
        return manifest(image).path("config").path("digest").asText();
    }

    private static String layerOf(OciLayouts.Image image) {
        return manifest(image).path("layers").get(0).path("digest").asText();
    }

    private static com.fasterxml.jackson.databind.JsonNode manifest(OciLayouts.Image image) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(image.manifest());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
