package dev.wharf.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The contract helper must reject what a document does not allow and accept what it does. */
class OpenApiContractTest {
    private static final String JSON = "application/json";
    private static final OpenApiContract HUB = OpenApiContract.dockerHubBeta();
    private static final OpenApiContract CYCLE = OpenApiContract.cycleImageSources();

    @Test
    void loginTokenResponseIsAccepted() {
        HUB.assertResponseMatches("POST", "/v2/users/login", 200, JSON, "{\"token\":\"eyJhbGciOiJIUzI1NiJ9.e30.x\"}");
    }

    @Test
    void loginTokenOfTheWrongTypeIsRejectedWithTheReason() {
        assertThatThrownBy(() -> HUB.assertResponseMatches("POST", "/v2/users/login", 200, JSON, "{\"token\":42}"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("docker-hub-beta")
                .hasMessageContaining("POST /v2/users/login")
                .hasMessageContaining("/token")
                .hasMessageContaining("string expected");
    }

    @Test
    void loginSuccessSchemaDoesNotRequireTheToken() {
        // PostUsersLoginSuccessResponse lists `token` without `required`, so the document cannot catch a missing
        // token: tests of the login endpoint must assert its presence themselves
        HUB.assertResponseMatches("POST", "/v2/users/login", 200, JSON, "{}");
        assertThat(HUB.api().getComponents().getSchemas().get("PostUsersLoginSuccessResponse").getRequired())
                .isNullOrEmpty();
    }

    @Test
    void loginErrorWithoutItsRequiredDetailIsRejected() {
        HUB.assertResponseMatches("POST", "/v2/users/login", 401, JSON, "{\"detail\":\"Incorrect authentication\"}");
        assertThatThrownBy(() -> HUB.assertResponseMatches("POST", "/v2/users/login", 401, JSON,
                "{\"login_2fa_token\":\"t\"}"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("detail");
    }

    @Test
    void undocumentedStatusOperationAndPathFail() {
        // the login operation documents 200 and 401 only, and has no default response
        assertThatThrownBy(() -> HUB.assertResponseMatches("POST", "/v2/users/login", 500, JSON, "{}"))
                .hasMessageContaining("documents responses [200, 401], not 500");
        assertThatThrownBy(() -> HUB.assertResponseMatches("GET", "/v2/users/login", 200, JSON, "{}"))
                .hasMessageContaining("documents only [POST]");
        assertThatThrownBy(() -> HUB.assertResponseMatches("GET", "/v2/whatever", 200, JSON, "{}"))
                .hasMessageContaining("no path in the document matches GET /v2/whatever");
    }

    @Test
    void pathParametersAndQueryStringsMatchTheirTemplate() {
        HUB.assertResponseMatches("GET", "/v2/namespaces/acme/repositories/app/images?status=active&page_size=20", 200,
                JSON, "{\"count\":1,\"next\":null,\"previous\":null,\"results\":[{\"namespace\":\"acme\","
                        + "\"repository\":\"app\",\"digest\":\"sha256:00\",\"tags\":[{\"tag\":\"latest\","
                        + "\"is_current\":true}],\"status\":\"active\"}]}");
        assertThatThrownBy(() -> HUB.assertResponseMatches("GET", "/v2/namespaces/acme/repositories/app/images", 200,
                JSON, "{\"results\":[{\"status\":\"sleeping\"}]}"))
                .hasMessageContaining("/results/0/status");
    }

    @Test
    void allOfSchemasAcceptMembersOfEveryBranch() {
        // GET /v2/access-tokens/{uuid} answers allOf [accessToken, {token}]: members of both branches must pass
        String token = "{\"uuid\":\"b30bbf97-506c-4ecd-aabc-842f3cb484fb\",\"client_id\":\"HUB\","
                + "\"is_active\":true,\"token_label\":\"ci\",\"scopes\":[\"repo:read\"],\"token\":\"\"}";
        HUB.assertResponseMatches("GET", "/v2/access-tokens/b30bbf97", 200, JSON, token);
        assertThatThrownBy(() -> HUB.assertResponseMatches("GET", "/v2/access-tokens/b30bbf97", 200, JSON,
                token.replace("\"is_active\":true", "\"is_active\":\"yes\"")))
                .hasMessageContaining("/is_active");
    }

    @Test
    void exchangeValidatesTheRequestToo() {
        HUB.assertExchangeMatches("POST", "/v2/users/login", Map.of("Content-Type", JSON),
                "{\"username\":\"alice\",\"password\":\"hunter2\"}", 200, JSON, "{\"token\":\"t\"}");
        assertThatThrownBy(() -> HUB.assertExchangeMatches("POST", "/v2/users/login", Map.of("Content-Type", JSON),
                "{\"username\":\"alice\"}", 200, JSON, "{\"token\":\"t\"}"))
                .hasMessageContaining("validation.request.body")
                .hasMessageContaining("password");
        // query parameters are checked against their schemas: `page` is an integer here
        assertThatThrownBy(() -> HUB.assertExchangeMatches("GET",
                "/v2/namespaces/acme/repositories/app/images?page=first", Map.of(), null, 200, JSON, "{}"))
                .hasMessageContaining("page");
    }

    @Test
    void cycleImageSourceListAcceptsAnEmptyPage() {
        // the 200 schema requires only `data` (an array of ImageSource); `includes` is optional
        CYCLE.assertResponseMatches("GET", "/v1/images/sources", 200, JSON, "{\"data\":[]}");
        CYCLE.assertResponseMatches("GET", "/v1/images/sources?page[number]=1&page[size]=20", 200, JSON,
                "{\"data\":[]}");
    }

    @Test
    void cycleImageSourceListRejectsWrongShapes() {
        assertThatThrownBy(() -> CYCLE.assertResponseMatches("GET", "/v1/images/sources", 200, JSON, "{}"))
                .hasMessageContaining("cycle-image-sources")
                .hasMessageContaining("data");
        assertThatThrownBy(() -> CYCLE.assertResponseMatches("GET", "/v1/images/sources", 200, JSON,
                "{\"data\":{}}"))
                .hasMessageContaining("array expected");
        // an ImageSource must carry its required members (id, type, identifier, name, origin, ...)
        assertThatThrownBy(() -> CYCLE.assertResponseMatches("GET", "/v1/images/sources", 200, JSON,
                "{\"data\":[{\"id\":\"651586fca6078e98982dbd90\"}]}"))
                .hasMessageContaining("origin");
        // the list operation documents 200 and default: a 201 is drift even though `default` exists
        assertThatThrownBy(() -> CYCLE.assertResponseMatches("GET", "/v1/images/sources", 201, JSON,
                "{\"data\":[]}"))
                .hasMessageContaining("documents responses [200, default], not 201");
        // an error status falls to `default`, whose ErrorEnvelope needs `error` and a null `data`
        assertThatThrownBy(() -> CYCLE.assertResponseMatches("GET", "/v1/images/sources", 404, JSON,
                "{\"data\":[]}"))
                .hasMessageContaining("error");
    }

    @Test
    void serversBasePathMayBeIncludedOrLeftOut() {
        OpenApiContract api = OpenApiContract.fromYaml("based", """
                openapi: 3.1.0
                info: {title: based, version: "1"}
                servers:
                  - url: https://api.example.com/api/v9
                paths:
                  /things/{id}:
                    get:
                      parameters:
                        - {name: id, in: path, required: true, schema: {type: string}}
                      responses:
                        "200":
                          description: one thing
                          content:
                            application/json:
                              schema:
                                type: object
                                required: [id]
                                properties:
                                  id: {type: string}
                """);
        api.assertResponseMatches("GET", "/api/v9/things/7", 200, JSON, "{\"id\":\"7\"}");
        api.assertResponseMatches("GET", "/things/7", 200, JSON, "{\"id\":\"7\"}");
        assertThatThrownBy(() -> api.assertResponseMatches("GET", "/api/v9/things/7", 200, JSON, "{\"id\":7}"))
                .hasMessageContaining("string expected");
    }

    @Test
    void realHttpResponseIsValidatedFromTheWire() throws IOException, InterruptedException {
        // a loopback server standing in for Wharf, so the java.net.http adapter is exercised end to end
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v2/users/login", exchange -> {
            byte[] body = exchange.getRequestURI().getQuery() == null
                    ? "{\"token\":\"t\"}".getBytes(StandardCharsets.UTF_8)
                    : "{\"token\":false}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", JSON);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try (HttpClient client = HttpClient.newHttpClient()) {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            HttpResponse<byte[]> good = client.send(post(base + "/v2/users/login"),
                    HttpResponse.BodyHandlers.ofByteArray());
            HUB.assertResponseMatches(good);
            HttpResponse<byte[]> bad = client.send(post(base + "/v2/users/login?broken=1"),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThatThrownBy(() -> HUB.assertResponseMatches(bad)).hasMessageContaining("boolean found");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void documentsAreLoadedOnce() {
        assertThat(OpenApiContract.dockerHubBeta()).isSameAs(HUB);
        assertThat(OpenApiContract.cycleImageSources()).isSameAs(CYCLE);
        assertThat(OpenApiContract.dockerHubLatest()).isSameAs(OpenApiContract.dockerHubLatest());
        assertThat(OpenApiContract.cycleImagesAndJobs().api().getPaths()).containsKey("/v1/images/{imageId}");
    }

    private static HttpRequest post(String uri) {
        return HttpRequest.newBuilder(URI.create(uri))
                .header("Content-Type", JSON)
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"u\",\"password\":\"p\"}"))
                .build();
    }
}
