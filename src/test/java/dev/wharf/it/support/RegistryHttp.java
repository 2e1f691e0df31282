package dev.wharf.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Direct /v2/ requests for checks where skopeo's error text would be too coarse (exact status codes). */
public final class RegistryHttp {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ACCEPT = String.join(",",
            OciLayouts.MANIFEST, OciLayouts.INDEX,
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");

    private RegistryHttp() {}

    /** Status of HEAD /v2/{repo}/manifests/{reference}. */
    public static int manifestStatus(RegistryServer registry, String repo, String reference) {
        return head(registry, "/v2/" + repo + "/manifests/" + reference);
    }

    /** Status of HEAD /v2/{repo}/blobs/{digest}. */
    public static int blobStatus(RegistryServer registry, String repo, String digest) {
        return head(registry, "/v2/" + repo + "/blobs/" + digest);
    }

    private static int head(RegistryServer registry, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + registry.host() + path))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept", ACCEPT)
                .timeout(Duration.ofSeconds(30))
                .build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException("HEAD " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
