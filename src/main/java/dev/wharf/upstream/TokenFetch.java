package dev.wharf.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/** The Docker token protocol: GET realm?service=…&scope=repository:<name>:pull, with Basic credentials if any. */
final class TokenFetch {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenFetch() {}

    static String fetch(HttpClient client, Challenge challenge, String repository, Credentials credentials) {
        String realm = challenge.params().get("realm");
        if (realm == null) throw new UpstreamException(UpstreamException.Reason.PROTOCOL,
                "the registry asked for a bearer token but named no realm");
        StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? '&' : '?');
        if (challenge.params().containsKey("service")) {
            url.append("service=").append(enc(challenge.params().get("service"))).append('&');
        }
        url.append("scope=").append(enc("repository:" + repository + ":pull"));
        HttpRequest.Builder b;
        try {
            b = Http.get(URI.create(url.toString()));
        } catch (IllegalArgumentException e) {
            throw new UpstreamException(UpstreamException.Reason.PROTOCOL, "the registry's token realm is not a URL");
        }
        if (credentials != null) b.header("Authorization", credentials.basicHeader());
        HttpResponse<InputStream> r = Http.send(client, b.build());
        if (r.statusCode() != 200) throw Http.failure(r, "a token for " + repository);
        try (InputStream in = r.body()) {
            JsonNode body = JSON.readTree(in.readNBytes(1 << 20));
            String token = body.path("token").asText(body.path("access_token").asText(""));
            if (token.isEmpty()) throw new UpstreamException(UpstreamException.Reason.PROTOCOL,
                    "the token endpoint answered without a token");
            return token;
        } catch (IOException e) {
            throw new UpstreamException(UpstreamException.Reason.PROTOCOL, "the token endpoint answered no JSON");
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
