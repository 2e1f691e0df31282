package dev.wharf.hub;

import static dev.wharf.hub.HubTestServer.body;
import static dev.wharf.hub.HubTestServer.text;
import static dev.wharf.testing.TestServer.bearer;

import dev.wharf.model.Digest;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The registry side of Hub tests: tokens from /token (Basic or anonymous), monolithic pushes and pulls. */
final class RegistryClient {
    private final TestServer wharf;

    RegistryClient(HubTestServer hub) {
        this.wharf = hub.wharf;
    }

    /** A registry token for the scope; {@code user} null asks anonymously. */
    String token(String user, String password, String scope) {
        String[] basic = user == null ? new String[0] : new String[] {"Authorization", "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8))};
        HttpResponse<byte[]> r = wharf.send("GET", "/token?service=wharf&scope=" + scope, null, basic);
        if (r.statusCode() != 200) throw new IllegalStateException("token: " + r.statusCode() + " " + text(r));
        return body(r).path("token").asText();
    }

    /** Pushes a config, one layer and a manifest as {@code user}; returns the manifest's PUT response. */
    HttpResponse<byte[]> pushImage(String user, String password, String repo, String tag, String layerText) {
        String token = token(user, password, "repository:" + repo + ":pull,push");
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        return wharf.pushImage(repo, tag, config, layerText.getBytes(StandardCharsets.UTF_8), bearer(token))
                .response();
    }

    HttpResponse<byte[]> pullManifest(String token, String repo, String ref) {
        return wharf.send("GET", "/v2/" + repo + "/manifests/" + ref, null,
                TestServer.header("Accept", TestServer.OCI_MANIFEST, bearer(token)));
    }

    /** A cross-repository mount: 201 when the blob was linked, 202 (an upload session) when it was not. */
    HttpResponse<byte[]> mount(String token, String repo, String from, Digest digest) {
        return wharf.send("POST", "/v2/" + repo + "/blobs/uploads/?mount=" + digest + "&from=" + from, null,
                bearer(token));
    }
}
