package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.PASSWORD;
import static dev.wharf.hub.HubTestServer.beta;
import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.json;
import static dev.wharf.hub.HubTestServer.latest;
import static dev.wharf.hub.HubTestServer.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class HubAccessTokenTest {
    @RegisterExtension
    static final HubTestServer hub = HubTestServer.perClass();

    private static String userSession(String name) {
        hub.createUser(name);
        return hub.session(name, PASSWORD);
    }

    private static HttpResponse<byte[]> create(String session, Object body) {
        return hub.as(session, "POST", "/v2/access-tokens", json(body));
    }

    @Test
    void lifecycleWithEveryFieldAndTheSecretShownOnce() {
        String session = userSession("patowner");
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        HttpResponse<byte[]> created = beta(create(session, Map.of("token_label", "CI pushes",
                "scopes", List.of("repo:write", "repo:read"))));
        assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
        JsonNode token = body(created);
        String uuid = token.path("uuid").asText();
        String secret = token.path("token").asText();
        assertThat(secret).startsWith("dckr_pat_");
        assertThat(uuid).matches("[0-9a-f-]{36}");
        assertThat(token.path("client_id").asText()).isNotEmpty();
        assertThat(token.path("creator_ip").asText()).isEqualTo("127.0.0.1");
        assertThat(token.path("creator_ua").asText()).isEqualTo("wharf-tests/1.0");
        assertThat(Instant.parse(token.path("created_at").asText())).isAfterOrEqualTo(before);
        assertThat(token.path("last_used").isNull()).isTrue();
        assertThat(token.path("generated_by").asText()).isEqualTo("manual");
        assertThat(token.path("is_active").asBoolean()).isTrue();
        assertThat(token.path("token_label").asText()).isEqualTo("CI pushes");
        assertThat(token.path("scopes")).extracting(JsonNode::asText).containsExactly("repo:write", "repo:read");
        assertThat(token.has("expires_at")).as("no expiry: left out, the contract has no null here").isFalse();

        HttpResponse<byte[]> one = beta(hub.as(session, "GET", "/v2/access-tokens/" + uuid, null));
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(body(one).path("token").asText()).isEmpty();
        assertThat(body(one).path("token_label").asText()).isEqualTo("CI pushes");
        assertThat(text(one)).doesNotContain(secret);

        HttpResponse<byte[]> list = beta(hub.as(session, "GET", "/v2/access-tokens", null));
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(body(list).path("count").asLong()).isEqualTo(1);
        assertThat(body(list).path("active_count").asLong()).isEqualTo(1);
        assertThat(body(list).path("results").path(0).path("uuid").asText()).isEqualTo(uuid);
        assertThat(body(list).path("results").path(0).path("token").asText()).isEmpty();
        assertThat(text(list)).doesNotContain(secret);

        // The token logs in like a password, and its session reflects the token's state.
        String patSession = hub.session("patowner", secret);
        assertThat(hub.as(patSession, "GET", "/v2/access-tokens/" + uuid, null).statusCode())
                .as("a token session may not manage tokens").isEqualTo(401);

        HttpResponse<byte[]> renamed = beta(hub.as(session, "PATCH", "/v2/access-tokens/" + uuid,
                json(Map.of("token_label", "CI"))));
        assertThat(renamed.statusCode()).isEqualTo(200);
        assertThat(body(renamed).path("token_label").asText()).isEqualTo("CI");
        assertThat(body(renamed).path("is_active").asBoolean()).isTrue();
        assertThat(body(renamed).path("last_used").isNull()).as("the login above used it").isFalse();

        HttpResponse<byte[]> off = beta(hub.as(session, "PATCH", "/v2/access-tokens/" + uuid,
                json(Map.of("is_active", false))));
        assertThat(off.statusCode()).isEqualTo(200);
        assertThat(body(off).path("is_active").asBoolean()).isFalse();
        assertThat(body(off).path("token_label").asText()).isEqualTo("CI");
        assertThat(body(beta(hub.as(session, "GET", "/v2/access-tokens", null))).path("active_count").asLong())
                .isZero();

        // Deactivated: the secret fails exactly like a wrong password, and sessions made from it end.
        HttpResponse<byte[]> refused = beta(hub.login("patowner", secret));
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(text(refused)).isEqualTo(text(hub.login("patowner", "dckr_pat_notarealtokenatallxxxxxxxxxxx")));
        assertThat(hub.as(patSession, "GET", "/v2/access-tokens", null).statusCode()).isEqualTo(401);

        HttpResponse<byte[]> deleted = beta(hub.as(session, "DELETE", "/v2/access-tokens/" + uuid, null));
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(beta(hub.as(session, "GET", "/v2/access-tokens/" + uuid, null)).statusCode()).isEqualTo(404);
        assertThat(beta(hub.as(session, "DELETE", "/v2/access-tokens/" + uuid, null)).statusCode()).isEqualTo(404);
    }

    @Test
    void expiryIsShownWhenSetAndMustBeInTheFuture() {
        String session = userSession("patexpiry");
        String expires = "2099-01-31T12:00:00Z";
        HttpResponse<byte[]> created = latest(create(session, Map.of("token_label", "short",
                "scopes", List.of("repo:read"), "expires_at", expires)));
        assertThat(created.statusCode()).as(text(created)).isEqualTo(201);
        assertThat(Instant.parse(body(created).path("expires_at").asText())).isEqualTo(Instant.parse(expires));

        HttpResponse<byte[]> past = beta(create(session, Map.of("token_label", "old", "scopes", List.of("repo:read"),
                "expires_at", "2001-01-01T00:00:00Z")));
        assertThat(past.statusCode()).isEqualTo(400);
        assertThat(body(past).path("fields").has("expires_at")).isTrue();
        HttpResponse<byte[]> garbled = beta(create(session, Map.of("token_label", "x", "scopes", List.of("repo:read"),
                "expires_at", "next tuesday")));
        assertThat(garbled.statusCode()).isEqualTo(400);
        assertThat(body(garbled).path("fields").has("expires_at")).isTrue();
    }

    @Test
    void invalidRequestsAre400WithTheFieldsNamed() {
        String session = userSession("patvalidate");
        HttpResponse<byte[]> badScope = beta(create(session, Map.of("token_label", "x",
                "scopes", List.of("repo:everything"))));
        assertThat(badScope.statusCode()).isEqualTo(400);
        assertThat(body(badScope).path("fields").path("scopes").path(0).asText()).contains("repo:public_read");
        assertThat(body(badScope).path("text").asText()).isNotEmpty();
        assertThat(body(badScope).path("detail").asText()).isNotEmpty();

        assertThat(body(beta(create(session, Map.of("token_label", "x", "scopes", List.of())))).path("fields")
                .has("scopes")).isTrue();
        HttpResponse<byte[]> missing = beta(create(session, Map.of()));
        assertThat(body(missing).path("fields").has("token_label")).isTrue();
        assertThat(body(missing).path("fields").has("scopes")).isTrue();
        HttpResponse<byte[]> wrongTypes = beta(create(session, Map.of("token_label", 5, "scopes", "repo:read")));
        assertThat(wrongTypes.statusCode()).isEqualTo(400);
        assertThat(beta(hub.as(session, "POST", "/v2/access-tokens", "not json")).statusCode()).isEqualTo(400);
        assertThat(body(beta(create(session, Map.of("token_label", "x".repeat(101), "scopes",
                List.of("repo:read"))))).path("fields").has("token_label")).isTrue();
        assertThat(hub.as(session, "PATCH", "/v2/access-tokens/whatever", "{\"is_active\": \"no\"}").statusCode())
                .isEqualTo(400);
        assertThat(beta(hub.as(session, "GET", "/v2/access-tokens?page=0", null)).statusCode()).isEqualTo(400);
        assertThat(beta(hub.as(session, "GET", "/v2/access-tokens?page_size=abc", null)).statusCode())
                .isEqualTo(400);
    }

    @Test
    void anotherUsersTokenIsNotFoundLikeAMissingOne() {
        String owner = userSession("patmine");
        String other = userSession("pattheirs");
        String uuid = body(create(owner, Map.of("token_label", "mine", "scopes", List.of("repo:read"))))
                .path("uuid").asText();
        HttpResponse<byte[]> missing = hub.as(other, "GET", "/v2/access-tokens/00000000-0000-0000-0000-000000000000",
                null);
        HttpResponse<byte[]> theirs = beta(hub.as(other, "GET", "/v2/access-tokens/" + uuid, null));
        assertThat(theirs.statusCode()).isEqualTo(404);
        assertThat(text(theirs)).isEqualTo(text(missing));
        // (the contract lists no 404 for PATCH; a missing token is one all the same)
        assertThat(hub.as(other, "PATCH", "/v2/access-tokens/" + uuid, "{\"is_active\": false}").statusCode())
                .isEqualTo(404);
        assertThat(beta(hub.as(other, "DELETE", "/v2/access-tokens/" + uuid, null)).statusCode()).isEqualTo(404);
        assertThat(body(hub.as(owner, "GET", "/v2/access-tokens/" + uuid, null)).path("is_active").asBoolean())
                .isTrue();
    }

    @Test
    void aTokenSessionCannotCreateTokens() {
        String session = userSession("patnomint");
        String secret = body(create(session, Map.of("token_label", "admin", "scopes", List.of("repo:admin"))))
                .path("token").asText();
        String patSession = hub.session("patnomint", secret);
        HttpResponse<byte[]> refused = beta(create(patSession, Map.of("token_label", "more",
                "scopes", List.of("repo:admin"))));
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(body(refused).path("detail").asText()).contains("access tokens cannot manage credentials");
    }

    @Test
    void listingPagesWithLinks() {
        String session = userSession("patpages");
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            created.add(body(create(session, Map.of("token_label", "t" + i, "scopes", List.of("repo:read"))))
                    .path("uuid").asText());
        }
        JsonNode first = body(beta(hub.as(session, "GET", "/v2/access-tokens?page=1&page_size=2", null)));
        assertThat(first.path("count").asLong()).isEqualTo(3);
        assertThat(first.path("results")).hasSize(2);
        assertThat(first.path("next").asText()).isEqualTo(hub.base + "/v2/access-tokens?page=2&page_size=2");
        assertThat(first.has("previous")).isFalse();
        JsonNode second = body(beta(hub.as(session, "GET", "/v2/access-tokens?page=2&page_size=2", null)));
        assertThat(second.path("results")).hasSize(1);
        assertThat(second.has("next")).isFalse();
        assertThat(second.path("previous").asText()).isEqualTo(hub.base + "/v2/access-tokens?page=1&page_size=2");
        List<String> seen = new ArrayList<>();
        first.path("results").forEach(t -> seen.add(t.path("uuid").asText()));
        second.path("results").forEach(t -> seen.add(t.path("uuid").asText()));
        assertThat(seen).containsExactlyInAnyOrderElementsOf(created);
    }
}
