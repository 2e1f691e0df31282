package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.Registries;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Quotas against real clients: skopeo pushes (single- and multi-arch) and a cross-repo mount, refused with DENIED. */
class QuotaIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path work;
    static WharfProcess wharf;
    static String session;

    @BeforeAll
    static void start() throws Exception {
        assumeFalse(Registries.distributionIsTarget(), "quotas are Wharf's own");
        wharf = WharfProcess.start(Files.createDirectory(work.resolve("data")));
        wharf.cli("org", "create", "quota", "--owner", WharfProcess.ADMIN.username());
        wharf.cli("org", "create", "other", "--owner", WharfProcess.ADMIN.username());
        HttpResponse<String> login = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + wharf.host()
                        + "/v2/users/login")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of("username",
                        WharfProcess.ADMIN.username(), "password", WharfProcess.ADMIN.password())))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        session = JSON.readTree(login.body()).path("token").asText();
    }

    @AfterAll
    static void stop() {
        if (wharf != null) wharf.close();
    }

    static JsonNode quota(String method, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + wharf.host()
                        + "/v2/namespaces/quota/quota")).header("Authorization", "Bearer " + session).header("Content-Type", "application/json");
        b = body == null ? b.GET() : b.method(method, HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void pushesOverTheQuotaAreRefusedAndUsageStaysUnderIt() throws Exception {
        Path base = work.resolve("base");
        OciLayouts.image(base, "1", 11, 300_000, 200_000);
        Skopeo.copy(oci(base, "1"), docker(wharf, "quota/base:1"));
        long used = quota("GET", null).path("used_bytes").asLong();
        assertThat(used).isGreaterThan(500_000);
        long limit = used + 150_000;
        quota("PUT", "{\"limit_bytes\":" + limit + "}");

        // Single-arch: a new 400 kB layer does not fit.
        Path single = work.resolve("single");
        OciLayouts.image(single, "1", 12, 400_000);
        Skopeo.Result refused = Skopeo.tryCopy(Duration.ofMinutes(2), oci(single, "1"), docker(wharf, "quota/app:1"));
        assertThat(refused.ok()).isFalse();
        assertThat(refused.stderr()).contains("quota");
        assertThat(RegistryHttp.manifestStatus(wharf, "quota/app", "1")).isNotEqualTo(200);

        // Multi-arch (--all): two images of 100 kB layers; the second cannot fit, and the index is never stored.
        Path multi = work.resolve("multi");
        OciLayouts.multiArch(multi, "1", 13, 100_000);
        Skopeo.Result multiRefused = Skopeo.tryCopy(Duration.ofMinutes(2), oci(multi, "1"),
                docker(wharf, "quota/multi:1"), "--all");
        assertThat(multiRefused.ok()).isFalse();
        assertThat(multiRefused.stderr()).contains("quota");
        assertThat(RegistryHttp.manifestStatus(wharf, "quota/multi", "1")).isNotEqualTo(200);
        assertThat(quota("GET", null).path("used_bytes").asLong()).isLessThanOrEqualTo(limit);

        // A cross-repo mount of a blob from another namespace that does not fit is refused too.
        Path foreign = work.resolve("foreign");
        OciLayouts.Image other = OciLayouts.image(foreign, "1", 14, 500_000);
        Skopeo.copy(oci(foreign, "1"), docker(wharf, "other/big:1"));
        String bigLayer = other.blobs().stream().max(java.util.Comparator.comparingLong(d -> {
            try {
                return Files.size(OciLayouts.blob(foreign, d));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        })).orElseThrow();
        String mountPath = "/v2/quota/app/blobs/uploads/?mount=" + bigLayer + "&from=other/big";
        // A token for both repositories, as clients ask for a mount (push on the target, pull on the source).
        Map<String, String> challenge = RegistryHttp.challengeParameters(RegistryHttp.raw(wharf, "POST", mountPath)
                .header("WWW-Authenticate").orElseThrow());
        HttpResponse<String> token = HTTP.send(HttpRequest.newBuilder(URI.create(challenge.get("realm")
                        + "?service=" + URLEncoder.encode(challenge.get("service"), StandardCharsets.UTF_8)
                        + "&scope=repository:quota/app:pull,push"
                        + "&scope=repository:other/big:pull"))
                .header("Authorization", "Basic " + WharfProcess.ADMIN.basic()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(token.statusCode()).as(token.body()).isEqualTo(200);
        RegistryHttp.Response mount = RegistryHttp.raw(wharf, "POST", mountPath, new byte[0],
                "Bearer " + JSON.readTree(token.body()).path("token").asText());
        assertThat(mount.status()).as(mount.toString()).isEqualTo(403);
        assertThat(mount.errorCode()).isEqualTo("DENIED");

        // Raised: the same single-arch push goes through.
        quota("PUT", "{\"limit_bytes\":" + (limit * 4) + "}");
        Skopeo.copy(oci(single, "1"), docker(wharf, "quota/app:1"));
        assertThat(RegistryHttp.manifestStatus(wharf, "quota/app", "1")).isEqualTo(200);
    }
}
