package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.text;

import dev.wharf.model.Digest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The registry side of Hub tests: tokens from /token (Basic or anonymous), monolithic pushes and pulls. */
final class RegistryClient {
    private final HubTestServer hub;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    RegistryClient(HubTestServer hub) {
        this.hub = hub;
    }

    /** A registry token for the scope; {@code user} null asks anonymously. */
    String token(String user, String password, String scope) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(hub.base + "/token?service=wharf&scope=" + scope));
        if (user != null) {
            b.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<byte[]> r = send(b.GET());
        if (r.statusCode() != 200) throw new IllegalStateException("token: " + r.statusCode() + " " + text(r));
        return body(r).path("token").asText();
    }

    /** Pushes a config, one layer and a manifest as {@code user}; returns the manifest's PUT response. */
    HttpResponse<byte[]> pushImage(String user, String password, String repo, String tag, String layerText) {
        String token = token(user, password, "repository:" + repo + ":pull,push");
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = layerText.getBytes(StandardCharsets.UTF_8);
        Digest c = pushBlob(token, repo, config);
        Digest l = pushBlob(token, repo, layer);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + c
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + l + "\",\"size\":" + layer.length
                + "}]}";
        return send(request(token, "/v2/" + repo + "/manifests/" + tag)
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofString(manifest)));
    }

    HttpResponse<byte[]> pullManifest(String token, String repo, String ref) {
        return send(request(token, "/v2/" + repo + "/manifests/" + ref)
                .header("Accept", "application/vnd.oci.image.manifest.v1+json").GET());
    }

    /** A cross-repository mount: 201 when the blob was linked, 202 (an upload session) when it was not. */
    HttpResponse<byte[]> mount(String token, String repo, String from, Digest digest) {
        return send(request(token, "/v2/" + repo + "/blobs/uploads/?mount=" + digest + "&from=" + from)
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    private Digest pushBlob(String token, String repo, byte[] content) {
        Digest d = Digest.sha256(content);
        HttpResponse<byte[]> r = send(request(token, "/v2/" + repo + "/blobs/uploads/?digest=" + d)
                .POST(HttpRequest.BodyPublishers.ofByteArray(content)));
        if (r.statusCode() != 201) throw new IllegalStateException("blob push: " + r.statusCode() + " " + text(r));
        return d;
    }

    private HttpRequest.Builder request(String token, String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(hub.base + path));
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder b) {
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
