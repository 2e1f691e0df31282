package dev.wharf.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The Docker token protocol: GET realm?service=…&scope=repository:&lt;name&gt;:pull, with Basic credentials if
 * any. The realm is the one the registry's challenge named (Docker Hub's is another host than its registry);
 * credentials go there only over HTTPS unless the source allows plain HTTP, and never past a redirect to
 * another origin.
 */
final class TokenFetch {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenFetch() {}

    /** A token and how long it lives ({@code expires_in}, else the specification's 60 seconds). */
    record Fetched(String token, java.time.Duration lifetime) {}

    static Fetched fetch(OutboundHttp http, Challenge challenge, String repository, Credentials credentials,
            boolean allowPlainHttp) {
        String realm = challenge.params().get("realm");
        if (realm == null) throw new UpstreamException(UpstreamException.Reason.PROTOCOL,
                "the registry asked for a bearer token but named no realm");
        StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
        if (challenge.params().containsKey("service")) {
            url.append("service=").append(enc(challenge.params().get("service"))).append('&');
        }
        url.append("scope=").append(enc("repository:" + repository + ":pull"));
        URI uri;
        try {
            uri = URI.create(url.toString());
        } catch (IllegalArgumentException e) {
            throw new UpstreamException(UpstreamException.Reason.PROTOCOL, "the registry's token realm is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            throw new UpstreamException(UpstreamException.Reason.PROTOCOL, "the registry's token realm is not an"
                    + " http or https URL");
        }
        Map<String, String> headers = new HashMap<>();
        if (credentials != null) {
            if (scheme.equals("http") && !allowPlainHttp) throw UpstreamClient.plainHttp(uri);
            headers.put("Authorization", credentials.basicHeader());
        }
        OutboundResponse r = http.get(uri, headers, Http.TIMEOUT);
        if (r.status() != 200) throw Http.failure(r, "a token for " + repository);
        try {
            JsonNode body = JSON.readTree(r.readAtMost(1 << 20));
            String token = body.path("token").asText(body.path("access_token").asText(""));
            if (token.isEmpty()) throw new UpstreamException(UpstreamException.Reason.PROTOCOL,
                    "the token endpoint answered without a token");
            long seconds = body.path("expires_in").asLong(0);
            return new Fetched(token, seconds > 0 ? java.time.Duration.ofSeconds(seconds)
                    : UpstreamAuth.DEFAULT_LIFETIME);
        } catch (IOException e) {
            throw new UpstreamException(UpstreamException.Reason.PROTOCOL, "the token endpoint answered no JSON");
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
