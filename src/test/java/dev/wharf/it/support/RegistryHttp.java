package dev.wharf.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Direct /v2/ requests for checks where skopeo's error text would be too coarse (exact status codes, error
 * bodies). {@link #as} does what a registry client does on a {@code 401}: reads the {@code Bearer} challenge, asks
 * the realm for a token for the challenged service and scope (with Basic credentials, or anonymously), and
 * retries once with that token. {@link #raw} sends one request without any of that.
 */
public final class RegistryHttp {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ACCEPT = String.join(",",
            OciLayouts.MANIFEST, OciLayouts.INDEX,
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");
    private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    /** One response, body included (empty for HEAD). */
    public record Response(int status, Map<String, List<String>> headers, byte[] body) {
        public Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst();
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON (" + status + "): " + text(), e);
            }
        }

        /** The first OCI error code of the body, or "" when there is none (or no body, as for HEAD). */
        public String errorCode() {
            return body.length == 0 ? "" : json().path("errors").path(0).path("code").asText();
        }

        @Override
        public String toString() {
            return status + " " + header("WWW-Authenticate").map(h -> "[" + h + "] ").orElse("") + text();
        }
    }

    /** A client acting for one caller; {@code credentials} null means anonymous (an anonymous token). */
    public static final class Client {
        private final Credentials credentials;

        private Client(Credentials credentials) {
            this.credentials = credentials;
        }

        public Response get(RegistryServer registry, String path) {
            return send(registry, "GET", path, null);
        }

        public Response head(RegistryServer registry, String path) {
            return send(registry, "HEAD", path, null);
        }

        /** Sends; on a 401 Bearer challenge fetches a token from its realm and sends once more with it. */
        public Response send(RegistryServer registry, String method, String path, byte[] body, String... headers) {
            Response first = exchange(registry.host(), method, path, body, null, headers);
            if (first.status() != 401) return first;
            String challenge = first.header("WWW-Authenticate").orElse("");
            if (challenge.regionMatches(true, 0, "Basic ", 0, 6)) {
                if (credentials == null) return first;
                return exchange(registry.host(), method, path, body, "Basic " + credentials.basic(), headers);
            }
            if (!challenge.regionMatches(true, 0, "Bearer ", 0, 7)) return first;
            Response token = token(challenge);
            if (token.status() != 200) {
                throw new IllegalStateException("token request for " + method + " " + path + " refused: " + token);
            }
            return exchange(registry.host(), method, path, body, "Bearer " + token.json().path("token").asText(),
                    headers);
        }

        /** GET realm?service=…&scope=… as the challenge asks, with Basic credentials unless anonymous. */
        public Response token(String challenge) {
            Map<String, String> params = challengeParameters(challenge);
            StringBuilder url = new StringBuilder(params.get("realm")).append("?service=")
                    .append(URLEncoder.encode(params.getOrDefault("service", ""), StandardCharsets.UTF_8));
            if (params.containsKey("scope")) {
                url.append("&scope=").append(URLEncoder.encode(params.get("scope"), StandardCharsets.UTF_8));
            }
            return transmit(URI.create(url.toString()), "GET", null,
                    credentials == null ? null : "Basic " + credentials.basic());
        }
    }

    private RegistryHttp() {}

    /** A client for {@code credentials}, or an anonymous one for null. */
    public static Client as(Credentials credentials) {
        return new Client(credentials);
    }

    /** A client with the registry's administrator credentials, if it has any. */
    public static Client asAdmin(RegistryServer registry) {
        return new Client(registry.credentials().orElse(null));
    }

    /** One request, no credentials, no token: what an unauthenticated client gets first. */
    public static Response raw(RegistryServer registry, String method, String path) {
        return exchange(registry.host(), method, path, null, null);
    }

    /** One request with a body and an {@code Authorization} value of the caller's choosing (null for none). */
    public static Response raw(RegistryServer registry, String method, String path, byte[] body, String authorization,
            String... headers) {
        return exchange(registry.host(), method, path, body, authorization, headers);
    }

    /**
     * An {@code Authorization} value with the administrator's registry token for {@code repository} and
     * {@code actions} ("pull", "pull,push"), asked for as /v2/'s challenge says: for requests a test sends while
     * the token endpoint could not answer (its storage cut off, its disk full).
     */
    public static String bearer(RegistryServer registry, String repository, String actions) {
        String challenge = raw(registry, "GET", "/v2/").header("WWW-Authenticate").orElseThrow()
                + ",scope=\"repository:" + repository + ":" + actions + "\"";
        return "Bearer " + asAdmin(registry).token(challenge).json().path("token").asText();
    }

    /** A Hub API session of the administrator ({@code POST /v2/users/login}), for the Hub API and the console. */
    public static String hubSession(RegistryServer registry) {
        Credentials admin = registry.credentials().orElseThrow();
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Map.of("username", admin.username(), "password", admin.password()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Response r = raw(registry, "POST", "/v2/users/login", body, null, "Content-Type", "application/json");
        if (r.status() != 200) throw new AssertionError("login refused: " + r);
        return r.json().path("token").asText();
    }

    /** Status of HEAD /v2/{repo}/manifests/{reference} as the administrator sees it. */
    public static int manifestStatus(RegistryServer registry, String repo, String reference) {
        return asAdmin(registry).head(registry, "/v2/" + repo + "/manifests/" + reference).status();
    }

    /** Status of HEAD /v2/{repo}/blobs/{digest} as the administrator sees it. */
    public static int blobStatus(RegistryServer registry, String repo, String digest) {
        return asAdmin(registry).head(registry, "/v2/" + repo + "/blobs/" + digest).status();
    }

    /** The {@code key="value"} parameters of a {@code WWW-Authenticate} challenge. */
    public static Map<String, String> challengeParameters(String challenge) {
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = PARAM.matcher(challenge);
        while (m.find()) params.put(m.group(1), m.group(2));
        return params;
    }

    private static Response exchange(String host, String method, String path, byte[] body, String authorization,
            String... headers) {
        List<String> all = new ArrayList<>(List.of("Accept", ACCEPT));
        all.addAll(List.of(headers));
        return transmit(URI.create("http://" + host + path), method, body, authorization, all.toArray(String[]::new));
    }

    private static Response transmit(URI uri, String method, byte[] body, String authorization, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .timeout(Duration.ofSeconds(30));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        if (authorization != null) b.header("Authorization", authorization);
        HttpRequest request = b.build();
        try {
            HttpResponse<byte[]> r = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.headers().map(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
