package dev.wharf.sources;

import static dev.wharf.sources.CycleServer.sources;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.OrgRole;
import dev.wharf.auth.User;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image sources API over HTTP, every response checked against Cycle's contract. */
class SourcesApiTest {
    @TempDir static Path dir;
    static CycleServer wharf;
    static String owner;
    static String member;
    static String outsider;

    static final String REGISTRY_SOURCE = """
            {"name": "My App", "type": "direct", "origin": {"type": "docker-registry", "details": {
              "target": "team/app:1.0", "url": "https://registry.example.com", "username": "bot",
              "token": "s3cret-token", "password": "s3cret-password"}}, "about": {"description": "the app"}}""";

    @BeforeAll
    static void start() {
        wharf = new CycleServer(TestServer.builder(dir).build());
        User alice = wharf.user("alice");
        User bob = wharf.user("bob");
        User carol = wharf.user("carol");
        wharf.org("acme", alice);
        wharf.member("acme", bob, OrgRole.MEMBER);
        owner = wharf.token(alice);
        member = wharf.token(bob);
        outsider = wharf.token(carol);
    }

    @AfterAll
    static void stop() {
        wharf.close();
    }

    HttpResponse<byte[]> send(String method, String path, String token, String body) {
        return wharf.send(method, path, token, "acme", body);
    }

    @Test
    void createGetListUpdateDelete() throws Exception {
        HttpResponse<byte[]> created = send("POST", "/v1/images/sources", owner, REGISTRY_SOURCE);
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode s = sources(created).path("data");
        String id = s.path("id").asText();
        assertThat(id).matches("[0-9a-f]{24}");
        assertThat(s.path("identifier").asText()).isEqualTo("my-app");
        assertThat(s.path("hub_id").asText()).isEqualTo("acme");
        assertThat(s.path("state").path("current").asText()).isEqualTo("live");
        assertThat(s.path("origin").path("details").path("token").asText()).isEqualTo(Origins.MASK);
        assertThat(new String(created.body())).doesNotContain("s3cret");

        JsonNode got = sources(send("GET", "/v1/images/sources/" + id + "?meta=images_count&include=creators,integrations",
                owner, null));
        assertThat(got.path("data").path("meta").path("images_count").path("total").asInt()).isZero();
        assertThat(got.path("includes").path("creators").path("accounts").size()).isEqualTo(1);

        send("POST", "/v1/images/sources", owner, """
                {"name": "Zeta", "type": "direct", "origin": {"type": "docker-hub", "details": {"target": "nginx:1"}}}""");
        JsonNode list = sources(send("GET", "/v1/images/sources?sort=-name&page[size]=1&page[number]=1", owner, null));
        assertThat(list.path("data").get(0).path("name").asText()).isEqualTo("Zeta");
        JsonNode filtered = sources(send("GET", "/v1/images/sources?filter[identifier]=my-app&filter[state]=live",
                owner, null));
        assertThat(filtered.path("data").size()).isEqualTo(1);
        // An unknown state is a 400 in Cycle's envelope, as on the images and jobs lists.
        HttpResponse<byte[]> bogus = send("GET", "/v1/images/sources?filter[state]=bogus", owner, null);
        assertThat(bogus.statusCode()).isEqualTo(400);
        assertThat(new String(bogus.body())).contains("filter[state]").contains("live");
        JsonNode searched = sources(send("GET", "/v1/images/sources?filter[search]=zet", member, null));
        assertThat(searched.path("data").size()).isEqualTo(1);

        // Sending the mask back keeps the stored secret; the stored row never holds it in clear.
        String echoed = got.path("data").path("origin").toString();
        JsonNode patched = sources(send("PATCH", "/v1/images/sources/" + id, owner,
                "{\"name\": \"Renamed\", \"origin\": " + echoed + "}"));
        assertThat(patched.path("data").path("name").asText()).isEqualTo("Renamed");
        assertThat(patched.path("data").path("identifier").asText()).isEqualTo("my-app");
        String stored = wharf.database.jdbi().withHandle(h -> h.createQuery(
                "SELECT origin_json || COALESCE(origin_secrets, '') FROM image_sources WHERE id = :id")
                .bind("id", id).mapTo(String.class).one());
        assertThat(stored).doesNotContain("s3cret").contains(Origins.MASK);

        HttpResponse<byte[]> deleted = send("DELETE", "/v1/images/sources/" + id, owner, null);
        assertThat(deleted.statusCode()).isEqualTo(202);
        JsonNode descriptor = sources(deleted).path("data");
        assertThat(descriptor.path("action").asText()).isEqualTo("delete");
        String jobId = descriptor.path("job").path("id").asText();
        JsonNode job = awaitJob(jobId);
        assertThat(job.path("state").path("current").asText()).isEqualTo("completed");
        assertThat(send("GET", "/v1/images/sources/" + id, owner, null).statusCode()).isEqualTo(404);
    }

    @Test
    void aclNarrowsWhoSeesAndManages() {
        String id = sources(send("POST", "/v1/images/sources", owner, """
                {"name": "Secret", "type": "direct", "origin": {"type": "none"},
                 "acl": {"roles": {"editor": {"view": true, "modify": false, "manage": false}}}}""")).path("data")
                .path("id").asText();
        HttpResponse<byte[]> hidden = send("GET", "/v1/images/sources/" + id, member, null);
        assertThat(hidden.statusCode()).isEqualTo(404);
        assertThat(sources(hidden).path("error").path("code").asText()).isEqualTo("404.image.source");
        JsonNode opened = sources(send("PATCH", "/v1/images/sources/" + id + "/access", owner,
                "{\"acl\": {\"roles\": {\"member\": {\"view\": true, \"modify\": false, \"manage\": false}}}}"));
        assertThat(opened.path("data").path("acl").path("roles").has("member")).isTrue();
        assertThat(sources(send("GET", "/v1/images/sources/" + id, member, null)).path("data").path("id").asText())
                .isEqualTo(id);
        HttpResponse<byte[]> denied = send("DELETE", "/v1/images/sources/" + id, member, null);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(sources(denied).path("error").path("code").asText()).isEqualTo("403.permissions");
    }

    @Test
    void authAndHubErrors() {
        HttpResponse<byte[]> noToken = wharf.send("GET", "/v1/images/sources", null, "acme", null);
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(sources(noToken).path("error").path("code").asText()).isEqualTo("401.auth-invalid");
        assertThat(sources(wharf.send("GET", "/v1/images/sources", "not-a-jwt", "acme", null)).path("error")
                .path("status").asInt()).isEqualTo(401);
        assertThat(sources(wharf.send("GET", "/v1/images/sources", owner, null, null)).path("error").path("status")
                .asInt()).isEqualTo(400);
        HttpResponse<byte[]> foreign = wharf.send("GET", "/v1/images/sources", outsider, "acme", null);
        assertThat(sources(foreign).path("error").path("code").asText()).isEqualTo("404.hub");
        // A user is the only member of their own hub.
        assertThat(wharf.send("GET", "/v1/images/sources", outsider, "carol", null).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> readOnly = send("POST", "/v1/images/sources", member, REGISTRY_SOURCE);
        assertThat(sources(readOnly).path("error").path("code").asText()).isEqualTo("403.permissions");
    }

    @Test
    void badInputIsA4xxWithAPointer() {
        expectInvalid("{not json", "");
        expectInvalid("[]", "");
        expectInvalid("{\"type\": \"direct\", \"origin\": {\"type\": \"ftp\"}}", "/origin/type");
        expectInvalid("{\"type\": \"direct\", \"origin\": {\"type\": \"docker-hub\", \"details\": {}}}",
                "/origin/details/target");
        expectInvalid("{\"type\": \"direct\", \"origin\": {\"type\": \"docker-registry\", \"details\":"
                + " {\"target\": \"app\", \"url\": \"ht!tp://bad url\"}}}", "/origin/details/url");
        expectInvalid("{\"type\": \"direct\"}", "/origin");
        expectInvalid("{\"type\": \"weird\", \"origin\": {\"type\": \"none\"}}", "/type");
        expectInvalid("{\"type\": \"direct\", \"origin\": {\"type\": \"cycle-source\", \"details\":"
                + " {\"source_id\": \"651586fca6078e98982dbd90\"}}}", "/origin/type");
        expectInvalid("{\"type\": \"direct\", \"identifier\": \"Not Valid\", \"origin\": {\"type\": \"none\"}}",
                "/identifier");
        expectInvalid("{\"type\": \"direct\", \"origin\": {\"type\": \"none\"}, \"acl\": {\"roles\": {\"x\": {}}}}",
                "/acl/roles/x");
        HttpResponse<byte[]> missing = send("GET", "/v1/images/sources/651586fca6078e98982dbd90", owner, null);
        assertThat(sources(missing).path("error").path("code").asText()).isEqualTo("404.image.source");
        assertThat(send("GET", "/v1/images/sources?sort=nope", owner, null).statusCode()).isEqualTo(400);
        assertThat(send("GET", "/v1/images/sources?page[size]=abc", owner, null).statusCode()).isEqualTo(400);
    }

    private void expectInvalid(String body, String pointer) {
        HttpResponse<byte[]> r = send("POST", "/v1/images/sources", owner, body);
        assertThat(r.statusCode()).as(body).isEqualTo(400);
        JsonNode e = sources(r).path("error");
        assertThat(e.path("code").asText()).isEqualTo("400.invalid-syntax");
        if (!pointer.isEmpty()) assertThat(e.path("source").asText()).as(body).isEqualTo(pointer);
        assertThat(r.body().length).isLessThan(2000); // a message, never a stack trace
    }

    static JsonNode awaitJob(String jobId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            JsonNode job = CycleServer.imagesAndJobs(wharf.send("GET", "/v1/jobs/" + jobId, owner, "acme", null))
                    .path("data");
            String state = job.path("state").path("current").asText();
            if (state.equals("completed") || state.equals("error") || System.nanoTime() > deadline) return job;
            Thread.sleep(100);
        }
    }
}
