package dev.wharf.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.model.Digest;
import dev.wharf.testing.TestServer;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mirror's tag lists and referrers, which reach its upstream, are authorized as its pulls are: with anonymous
 * pulls off, an anonymous caller and a token for another repository are refused before the upstream is asked,
 * under the mirror's name and under a Docker Hub name routed to it alike.
 */
class MirrorListsAuthTest {
    private static final String REPOSITORY = "lib/app";

    private FakeMirrorUpstream upstream;
    private TestServer wharf;

    @BeforeEach
    void start(@TempDir Path data) throws IOException {
        upstream = new FakeMirrorUpstream(REPOSITORY);
        upstream.tags = List.of("v1", "v2");
        wharf = TestServer.builder(data).flags("--mirrors-upstreams", "up=" + upstream.url(), "--mirrors-hub", "up",
                "--mirrors-anonymous-pulls", "false", "--mirrors-prefetch", "false",
                "--outbound-allow", "127.0.0.1/32").build();
    }

    @AfterEach
    void stop() {
        if (wharf != null) wharf.close();
        if (upstream != null) upstream.close();
    }

    @Test
    void onlyCallersWhoMayPullListAndNothingReachesTheUpstreamForTheOthers() {
        String referrers = "/referrers/" + Digest.sha256(upstream.manifest);
        List<String> paths = List.of("/v2/up/" + REPOSITORY + "/tags/list", "/v2/" + REPOSITORY + "/tags/list",
                "/v2/up/" + REPOSITORY + referrers, "/v2/" + REPOSITORY + referrers);
        String elsewhere = token("repository:up/lib/other:pull");
        for (String path : paths) {
            HttpResponse<byte[]> anonymous = wharf.send("GET", path, null);
            assertThat(anonymous.statusCode()).as("anonymous " + path).isEqualTo(401);
            assertThat(TestServer.text(anonymous)).contains("\"errors\"");
            HttpResponse<byte[]> otherScope = wharf.send("GET", path, null, TestServer.bearer(elsewhere));
            assertThat(otherScope.statusCode()).as("another repository's token " + path).isIn(401, 403);
        }
        assertThat(upstream.requests).as("the upstream was not asked for anyone refused").isEmpty();

        for (String path : paths) {
            String repository = path.contains("/up/") ? "up/" + REPOSITORY : REPOSITORY;
            HttpResponse<byte[]> allowed = wharf.send("GET", path, null,
                    TestServer.bearer(token("repository:" + repository + ":pull")));
            assertThat(allowed.statusCode()).as(path + ": " + TestServer.text(allowed)).isEqualTo(200);
        }
    }

    private String token(String scope) {
        String basic = Base64.getEncoder().encodeToString((TestServer.ADMIN + ":" + TestServer.ADMIN_PASSWORD)
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> r = wharf.send("GET", "/token?service=wharf&scope="
                + URLEncoder.encode(scope, StandardCharsets.UTF_8), null, "Authorization", "Basic " + basic);
        assertThat(r.statusCode()).as(TestServer.text(r)).isEqualTo(200);
        return TestServer.json(r).path("token").asText();
    }
}
