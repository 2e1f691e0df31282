package dev.wharf.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.wharf.app.WharfServer;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.auth.User;
import dev.wharf.config.ConfigLoader;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.Database;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 finding 10: NUL bytes gave 500s on PostgreSQL ({@code invalid byte sequence for encoding "UTF8": 0x00}),
 * unauthenticated logins included. This sweep sends NUL, invalid UTF-8 and unpaired surrogates in every path
 * parameter, query parameter and JSON body string of every operation of the Docker Hub (latest and beta) and
 * Cycle OpenAPI documents, and of the registry's, token endpoint's and console's own routes, to a node on
 * PostgreSQL, as an administrator (so requests get past authentication into the handlers), and expects no 5xx.
 * Every 4xx must be in its API's error format.
 */
class TextInputSweepTest {
    static final String PASSWORD = "Adm1n-secret-for-sweep";
    static final String PG_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    static final String SCHEMA = "wharf_sweep_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete", "head");
    static final String CYCLE_ID = "0123456789abcdef01234567";

    /** One way to spoil text, in a URL and inside a JSON string. */
    record Bad(String name, String inUrl, byte[] inJsonString) {}

    static final List<Bad> BAD = List.of(
            new Bad("NUL", "a%00b", "a\\u0000b".getBytes(StandardCharsets.US_ASCII)),
            new Bad("invalid UTF-8", "a%C3%28b", new byte[] {'a', (byte) 0xC3, '(', 'b'}),
            new Bad("lone surrogate", "a%ED%A0%80b", "a\\ud800b".getBytes(StandardCharsets.US_ASCII)));

    @TempDir
    static Path dir;
    static WharfServer server;
    static String base;
    static String session;
    static String registryToken;
    static String digest;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    static final List<String> failures = new ArrayList<>();
    static int sent;

    @BeforeAll
    static void start() throws Exception {
        server = WharfServer.start(ConfigLoader.load(List.of("--addr", "127.0.0.1:0", "--data-dir", dir.toString(),
                "--log-access", "false", "--admin-password", PASSWORD, "--db-url", PG_URL, "--db-user", "postgres",
                "--db-schema", SCHEMA, "--ratelimit-enabled", "false"), Map.of()));
        base = "http://127.0.0.1:" + server.port();
        try (Database db = Database.open(PG_URL, "postgres", null, 2, SCHEMA)) {
            AccountService accounts = new AccountService(db, new PasswordHasher(1024, 1, 1), Clock.systemUTC());
            User admin = accounts.findUser("admin").orElseThrow();
            accounts.organizations().createOrganization("sweeporg", admin.id());
        }
        HttpResponse<byte[]> login = send("POST", "/v2/users/login", Map.of("Content-Type", "application/json"),
                JSON.writeValueAsBytes(Map.of("username", "admin", "password", PASSWORD)));
        session = JSON.readTree(login.body()).path("token").asText();
        registryToken = JSON.readTree(send("GET", "/token?service=wharf&scope=repository:admin/app:pull,push,delete"
                + "&scope=registry:catalog:*", Map.of("Authorization", basic("admin:" + PASSWORD)), null).body())
                .path("token").asText();
        digest = pushImage();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) server.stop();
        try (Connection c = DriverManager.getConnection(PG_URL, "postgres", null); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    @Test
    void noDocumentedEndpointAnswersBadTextWithA5xx() throws Exception {
        sweepOpenApi(YAML.readTree(SharedFiles.resolve("reference/docker-hub/latest.yaml").toFile()), "hub");
        sweepOpenApi(YAML.readTree(TextInputSweepTest.class.getResourceAsStream("/contracts/docker-hub-beta.yaml")),
                "hub");
        sweepOpenApi(YAML.readTree(SharedFiles.resolve("reference/cycle/image-sources.bundled.yaml").toFile()),
                "cycle");
        sweepOpenApi(YAML.readTree(SharedFiles.resolve("reference/cycle/images-and-jobs.bundled.yaml").toFile()),
                "cycle");
        sweepOwnRoutes();
        assertThat(sent).as("requests sent").isGreaterThan(500);
        assertThat(failures).as("of %d requests", sent).isEmpty();
    }

    /** The cases the finding named, with their exact answers. */
    @Test
    void unauthenticatedLoginAndTokenRequestsGetTheirApisFormat() throws Exception {
        HttpResponse<byte[]> login = send("POST", "/v2/users/login", Map.of("Content-Type", "application/json"),
                "{\"username\":\"adm\\u0000in\",\"password\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(login.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(login.body()).path("detail").asText()).contains("NUL");
        assertThat(JSON.readTree(login.body()).path("fields").has("body")).isTrue();

        HttpResponse<byte[]> token = send("POST", "/token", Map.of("Content-Type",
                "application/x-www-form-urlencoded"), "grant_type=password&client_id=x&username=a%00&password=b"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(token.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(token.body()).path("error").asText()).isEqualTo("invalid_request");
        HttpResponse<byte[]> basic = send("GET", "/token?service=wharf", Map.of("Authorization",
                basic("ad\u0000min:x")), null);
        assertThat(basic.statusCode()).isEqualTo(400);

        HttpResponse<byte[]> tags = send("GET", "/v2/admin/app/tags/list?last=a%00", auth("registry"), null);
        assertThat(tags.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(tags.body()).path("errors").path(0).path("code").asText())
                .isEqualTo("PARAMETER_INVALID");
        HttpResponse<byte[]> cycle = send("GET", "/v1/images/sources?filter[search]=%FF", auth("cycle"), null);
        assertThat(cycle.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(cycle.body()).path("error").path("code").asText()).isEqualTo("400.invalid-syntax");
        HttpResponse<byte[]> manifest = send("PUT", "/v2/admin/app/manifests/bad", withType(auth("registry"),
                "application/vnd.oci.image.manifest.v1+json"), manifest("\\u0000").getBytes(StandardCharsets.UTF_8));
        assertThat(manifest.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(manifest.body()).path("errors").path(0).path("code").asText())
                .isEqualTo("MANIFEST_INVALID");
        HttpResponse<byte[]> fine = send("GET", "/v2/namespaces/admin/repositories?name=%C3%A9t%C3%A9",
                auth("hub"), null);
        assertThat(fine.statusCode()).as("valid non-ASCII text still passes").isEqualTo(200);
    }

    // --- the OpenAPI documents -------------------------------------------------------------------------

    private void sweepOpenApi(JsonNode doc, String surface) throws Exception {
        Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields();
        while (paths.hasNext()) {
            Map.Entry<String, JsonNode> path = paths.next();
            Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields();
            while (ops.hasNext()) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (!METHODS.contains(op.getKey())) continue;
                List<JsonNode> params = new ArrayList<>();
                path.getValue().path("parameters").forEach(p -> params.add(resolve(doc, p)));
                op.getValue().path("parameters").forEach(p -> params.add(resolve(doc, p)));
                sweepOperation(doc, surface, op.getKey().toUpperCase(), path.getKey(), params, op.getValue());
            }
        }
    }

    private void sweepOperation(JsonNode doc, String surface, String method, String template, List<JsonNode> params,
            JsonNode op) throws Exception {
        Map<String, String> pathValues = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\{([^}]+)}").matcher(template);
        while (m.find()) pathValues.put(m.group(1), goodPathValue(m.group(1)));
        Map<String, String> headers = auth(surface);
        for (Bad bad : BAD) {
            for (String name : pathValues.keySet()) {
                Map<String, String> spoiled = new LinkedHashMap<>(pathValues);
                spoiled.put(name, bad.inUrl());
                check(surface, method, fill(template, spoiled), headers, null, bad.name() + " in path " + name);
            }
            for (JsonNode p : params) {
                if (!"query".equals(p.path("in").asText())) continue;
                String name = p.path("name").asText();
                List<String> keys = new ArrayList<>();
                JsonNode schema = resolve(doc, p.path("schema"));
                if ("deepObject".equals(p.path("style").asText()) && schema.has("properties")) {
                    schema.path("properties").fieldNames().forEachRemaining(f -> keys.add(name + "[" + f + "]"));
                } else {
                    keys.add(name);
                }
                for (String key : keys) {
                    check(surface, method, fill(template, pathValues) + "?" + key.replace("[", "%5B")
                            .replace("]", "%5D") + "=" + bad.inUrl(), headers, null, bad.name() + " in query " + key);
                }
            }
            JsonNode body = op.path("requestBody");
            if (!body.isMissingNode()) {
                JsonNode content = resolve(doc, body).path("content");
                JsonNode schema = content.path("application/json").path("schema");
                byte[] json = spoiledBody(doc, schema, bad);
                check(surface, method, fill(template, pathValues), withType(headers, "application/json"), json,
                        bad.name() + " in every string of the body");
            }
        }
    }

    /** A body following the schema where every string is spoiled (or one such string when the schema says little). */
    private static byte[] spoiledBody(JsonNode doc, JsonNode schema, Bad bad) throws IOException {
        String marker = "\u0001SPOIL\u0001";
        JsonNode sample = sample(doc, schema, marker, 0);
        if (sample == null || !sample.isContainerNode() || sample.isEmpty()) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("name", marker);
            sample = o;
        }
        byte[] plain = JSON.writeValueAsBytes(sample);
        byte[] escapedMarker = JSON.writeValueAsString(marker).replace("\"", "").getBytes(StandardCharsets.UTF_8);
        return replace(plain, escapedMarker, bad.inJsonString());
    }

    private static JsonNode sample(JsonNode doc, JsonNode schemaRef, String marker, int depth) {
        JsonNode schema = resolve(doc, schemaRef);
        if (depth > 4 || schema.isMissingNode()) return JsonNodeFactory.instance.textNode(marker);
        for (String combo : List.of("allOf", "oneOf", "anyOf")) {
            if (schema.has(combo) && schema.path(combo).size() > 0) {
                if (combo.equals("allOf")) {
                    ObjectNode merged = JsonNodeFactory.instance.objectNode();
                    for (JsonNode part : schema.path(combo)) {
                        JsonNode s = sample(doc, part, marker, depth + 1);
                        if (s instanceof ObjectNode o) merged.setAll(o);
                    }
                    return merged;
                }
                return sample(doc, schema.path(combo).get(0), marker, depth + 1);
            }
        }
        String type = schema.path("type").asText(schema.has("properties") ? "object" : "string");
        if (schema.has("enum")) return JsonNodeFactory.instance.textNode(marker);
        switch (type) {
            case "object" -> {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                schema.path("properties").fields().forEachRemaining(f ->
                        o.set(f.getKey(), sample(doc, f.getValue(), marker, depth + 1)));
                return o;
            }
            case "array" -> {
                ArrayNode a = JsonNodeFactory.instance.arrayNode();
                a.add(sample(doc, schema.path("items"), marker, depth + 1));
                return a;
            }
            case "integer", "number" -> {
                return JsonNodeFactory.instance.numberNode(1);
            }
            case "boolean" -> {
                return JsonNodeFactory.instance.booleanNode(true);
            }
            default -> {
                return JsonNodeFactory.instance.textNode(marker);
            }
        }
    }

    private static JsonNode resolve(JsonNode doc, JsonNode node) {
        for (int i = 0; i < 20 && node.has("$ref"); i++) {
            String ref = node.path("$ref").asText();
            if (!ref.startsWith("#")) return JsonNodeFactory.instance.objectNode();
            node = doc.at(ref.substring(1));
        }
        return node;
    }

    private static String goodPathValue(String name) {
        return switch (name) {
            case "namespace", "account", "username" -> "admin";
            case "name", "org_name", "orgname", "org" -> "sweeporg";
            case "repository", "repo" -> "app";
            case "tag" -> "latest";
            case "digest" -> digest;
            case "sourceId", "imageId", "jobId", "id" -> CYCLE_ID;
            default -> "x";
        };
    }

    private static String fill(String template, Map<String, String> values) {
        String out = template;
        for (Map.Entry<String, String> e : values.entrySet()) out = out.replace("{" + e.getKey() + "}", e.getValue());
        return out;
    }

    // --- routes no OpenAPI document lists ---------------------------------------------------------------

    private void sweepOwnRoutes() throws Exception {
        Map<String, String> reg = auth("registry");
        for (Bad bad : BAD) {
            String b = bad.inUrl();
            for (String path : List.of("/v2/_catalog?n=1&last=" + b, "/v2/admin/app/tags/list?n=1&last=" + b,
                    "/v2/admin/app/referrers/" + digest + "?artifactType=" + b, "/v2/admin/" + b + "/tags/list",
                    "/v2/admin/app/manifests/" + b, "/v2/admin/app/blobs/sha256:" + b,
                    "/v2/admin/app/blobs/uploads/" + b)) {
                check("registry", "GET", path, reg, null, bad.name() + " in registry GET " + path);
            }
            check("registry", "POST", "/v2/admin/app/blobs/uploads/?mount=" + digest + "&from=" + b, reg, null,
                    bad.name() + " in mount from");
            check("registry", "POST", "/v2/admin/app/blobs/uploads/?digest=" + b, reg, null, bad.name() + " in digest");
            check("registry", "DELETE", "/v2/admin/app/manifests/" + b, reg, null, bad.name() + " in DELETE");
            check("registry", "GET", "/v2/", Map.of("Authorization", basicBytes(("ad" + b).replace("%00", "\u0000")
                    .replace("%C3%28", "\u00c3(").replace("%ED%A0%80", "\ud800") + "min:x")), null,
                    bad.name() + " in Basic on /v2/");
            byte[] manifest = replace(manifest("SPOIL").getBytes(StandardCharsets.UTF_8),
                    "SPOIL".getBytes(StandardCharsets.US_ASCII), bad.inJsonString());
            check("registry", "PUT", "/v2/admin/app/manifests/spoiled", withType(reg,
                    "application/vnd.oci.image.manifest.v1+json"), manifest, bad.name() + " in a manifest");

            for (String q : List.of("service=" + b, "service=wharf&scope=repository:" + b + ":pull",
                    "service=wharf&scope=repository:admin/app:" + b, "service=wharf&offline_token=" + b,
                    "service=wharf&account=" + b)) {
                check("token", "GET", "/token?" + q, Map.of(), null, bad.name() + " in /token?" + q);
            }
            for (String field : List.of("grant_type", "client_id", "username", "password", "refresh_token", "scope",
                    "service", "access_type")) {
                Map<String, String> form = new LinkedHashMap<>(Map.of("grant_type", "password", "client_id", "c",
                        "username", "admin", "password", "wrong", "service", "wharf"));
                form.put(field, b);
                StringBuilder s = new StringBuilder();
                form.forEach((k, v) -> s.append(s.isEmpty() ? "" : "&").append(k).append('=').append(v));
                check("token", "POST", "/token", Map.of("Content-Type", "application/x-www-form-urlencoded"),
                        s.toString().getBytes(StandardCharsets.UTF_8), bad.name() + " in /token form " + field);
            }
            byte[] signIn = replace("{\"username\":\"SPOIL\",\"password\":\"SPOIL\"}".getBytes(StandardCharsets.UTF_8),
                    "SPOIL".getBytes(StandardCharsets.US_ASCII), bad.inJsonString());
            check("hub", "POST", "/console/api/session", Map.of("Content-Type", "application/json"), signIn,
                    bad.name() + " in console sign-in");
            check("hub", "POST", "/console/api/session/2fa", Map.of("Content-Type", "application/json"),
                    replace("{\"login_2fa_token\":\"SPOIL\",\"code\":\"SPOIL\"}".getBytes(StandardCharsets.UTF_8),
                            "SPOIL".getBytes(StandardCharsets.US_ASCII), bad.inJsonString()), bad.name()
                            + " in console 2FA");
            check("hub", "DELETE", "/v2/auth/sessions/" + b, auth("hub"), null, bad.name() + " in session id");
            check("hub", "GET", "/v2/search/repositories/?query=" + b, auth("hub"), null, bad.name() + " in search");
            check("hub", "GET", "/v2/search/repositories?query=app&page=" + b, Map.of(), null,
                    bad.name() + " in an anonymous search");
            check("cycle", "GET", "/v1/search?q=" + b, Map.of(), null, bad.name() + " in a v1 search");
            check("cycle", "GET", "/v1/search?q=app", Map.of("Authorization", basicBytes("ad\u0000min:x")), null,
                    bad.name() + " in Basic on a v1 search");
            check("hub", "GET", "/v2/namespaces/admin/repositories/app/tags?page_size=1&page=" + b, auth("hub"),
                    null, bad.name() + " in page");
            check("cycle", "GET", "/v1/images/sources/" + CYCLE_ID, withHeader(auth("cycle"), "X-Hub-Id", "admin"),
                    null, "baseline");
            for (String path : List.of("/assets/" + b + ".js", "/repositories/" + b, "/healthz?x=" + b,
                    "/admin/gc?x=" + b)) {
                check("page", "GET", path, Map.of(), null, bad.name() + " in a console page or operations path");
            }
            check("page", "GET", "/admin/gc", Map.of("Authorization", basicBytes("ad\u0000min:x")), null,
                    bad.name() + " in Basic on /admin/gc");
        }
    }

    // --- requests ---------------------------------------------------------------------------------------

    private void check(String surface, String method, String path, Map<String, String> headers, byte[] body,
            String what) {
        HttpResponse<byte[]> r;
        try {
            r = send(method, path, headers, body);
        } catch (Exception e) {
            failures.add(method + " " + path + " (" + what + "): " + e);
            return;
        }
        sent++;
        String text = new String(r.body(), StandardCharsets.UTF_8);
        if (r.statusCode() >= 500) {
            failures.add(r.statusCode() + " for " + method + " " + path + " (" + what + "): " + text);
            return;
        }
        if (r.statusCode() >= 400 && !method.equals("HEAD") && !surface.equals("page") && !formatted(surface, path, text)) {
            failures.add(r.statusCode() + " not in its API's error format for " + method + " " + path + " (" + what
                    + "): " + text);
        }
    }

    /** Hub and console: detail/message; registry: errors[]; Cycle: error{}; /token: OAuth error. */
    private static boolean formatted(String surface, String path, String text) {
        JsonNode b;
        try {
            b = JSON.readTree(text);
        } catch (IOException e) {
            return false;
        }
        if (b == null) return false;
        if (path.startsWith("/v1/")) return b.path("error").isObject();
        if (path.startsWith("/token")) return b.path("error").isTextual();
        if (surface.equals("registry")) return b.path("errors").isArray();
        // Hub paths under /v2/ that Wharf does not serve are the registry's, answered in the OCI format
        return b.path("detail").isTextual() || b.path("message").isTextual() || b.path("errors").isArray();
    }

    static HttpResponse<byte[]> send(String method, String path, Map<String, String> headers, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(b::header);
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            // the server closes the connection after refusing an unreadable request; the client's pool may still
            // hand that connection to the next request, which then sees no bytes: send it again on a fresh one
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        }
    }

    private static Map<String, String> auth(String surface) {
        return switch (surface) {
            case "registry" -> Map.of("Authorization", "Bearer " + registryToken);
            case "cycle" -> Map.of("Authorization", "Bearer " + session, "X-Hub-Id", "admin");
            default -> Map.of("Authorization", "Bearer " + session);
        };
    }

    private static Map<String, String> withType(Map<String, String> headers, String type) {
        return withHeader(headers, "Content-Type", type);
    }

    private static Map<String, String> withHeader(Map<String, String> headers, String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return h;
    }

    private static String basic(String userColonSecret) {
        return basicBytes(userColonSecret);
    }

    private static String basicBytes(String userColonSecret) {
        // Latin-1 chars stand for single bytes here, so invalid UTF-8 can be built from a string
        byte[] bytes = new byte[userColonSecret.length()];
        boolean latin = userColonSecret.chars().allMatch(c -> c < 0x100);
        if (!latin) return "Basic " + Base64.getEncoder().encodeToString(userColonSecret.getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) userColonSecret.charAt(i);
        return "Basic " + Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] replace(byte[] in, byte[] find, byte[] with) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < in.length; i++) {
            if (i + find.length <= in.length && java.util.Arrays.equals(in, i, i + find.length, find, 0, find.length)) {
                out.write(with, 0, with.length);
                i += find.length - 1;
            } else {
                out.write(in[i]);
            }
        }
        return out.toByteArray();
    }

    private static String manifest(String artifactType) {
        return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"artifactType\":\""
                + artifactType + "\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\""
                + Digest.sha256("{}".getBytes(StandardCharsets.UTF_8)) + "\",\"size\":2},\"layers\":[],"
                + "\"annotations\":{\"k\":\"" + artifactType + "\"}}";
    }

    /** A one-layer image admin/app:latest, so the sweep reaches past "no such repository". */
    private static String pushImage() throws Exception {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = "layer".getBytes(StandardCharsets.UTF_8);
        byte[] empty = "{}".getBytes(StandardCharsets.UTF_8);
        for (byte[] blob : List.of(config, layer, empty)) {
            HttpResponse<byte[]> r = send("POST", "/v2/admin/app/blobs/uploads/?digest=" + Digest.sha256(blob),
                    withType(auth("registry"), "application/octet-stream"), blob);
            assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        }
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                + Digest.sha256(config) + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + Digest.sha256(layer) + "\",\"size\":"
                + layer.length + "}]}";
        HttpResponse<byte[]> put = send("PUT", "/v2/admin/app/manifests/latest", withType(auth("registry"),
                "application/vnd.oci.image.manifest.v1+json"), manifest.getBytes(StandardCharsets.UTF_8));
        assertThat(put.statusCode()).as(new String(put.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        return put.headers().firstValue("Docker-Content-Digest").orElseThrow();
    }
}
