package dev.wharf.upstream;

import dev.wharf.model.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Pulls from one repository of an upstream registry (Distribution API v2). Authentication follows what the
 * registry asks for on first contact: nothing, Basic, or a bearer token from its token service (fetched once
 * per client, i.e. per import). Credentials are sent only to the registry and its token realm.
 */
public final class UpstreamClient {
    public static final String ACCEPT = String.join(", ",
            "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");

    private final HttpClient http;
    private final URI base;
    private final String repository;
    private final Credentials credentials;
    private final int maxManifestBytes;
    private String authorization; // null until ping(); "" when the registry needs none
    private final Duration pingTimeout;

    /**
     * @param baseUrl {@code https://host[:port]} (a bare host means https)
     * @param credentials null for anonymous pulls
     */
    public UpstreamClient(String baseUrl, String repository, Credentials credentials, int maxManifestBytes) {
        this(baseUrl, repository, credentials, maxManifestBytes, Http.TIMEOUT);
    }

    /** @param pingTimeout how long the first contact ({@code GET /v2/}) may take; mirrors keep it short */
    public UpstreamClient(String baseUrl, String repository, Credentials credentials, int maxManifestBytes,
            Duration pingTimeout) {
        this.pingTimeout = pingTimeout;
        String full = baseUrl.contains("://") ? baseUrl : "https://" + baseUrl;
        this.base = URI.create(full.endsWith("/") ? full.substring(0, full.length() - 1) : full);
        this.repository = repository;
        this.credentials = credentials;
        this.maxManifestBytes = maxManifestBytes;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** GET /v2/ and authenticate as the registry's challenge asks. */
    public void ping() {
        HttpResponse<InputStream> r = Http.send(http, Http.get(base.resolve("/v2/")).timeout(pingTimeout).build());
        Http.drain(r);
        if (r.statusCode() == 200) {
            authorization = credentials == null ? "" : credentials.basicHeader();
            return;
        }
        if (r.statusCode() != 401) throw Http.failure(r, "the registry's API root");
        Challenge c = Challenge.parse(r.headers().firstValue("WWW-Authenticate").orElse(null));
        if (c == null) throw new UpstreamException(UpstreamException.Reason.PROTOCOL,
                "the registry answered 401 without a WWW-Authenticate challenge");
        authorization = switch (c.scheme()) {
            case "bearer" -> "Bearer " + TokenFetch.fetch(http, c, repository, credentials);
            case "basic" -> {
                if (credentials == null) throw new UpstreamException(UpstreamException.Reason.UNAUTHORIZED,
                        "the registry requires a user name and password, and the source has none");
                yield credentials.basicHeader();
            }
            default -> throw new UpstreamException(UpstreamException.Reason.PROTOCOL,
                    "unsupported authentication scheme " + c.scheme());
        };
    }

    /** The manifest or index for a tag or digest, verified against the digest when one was asked for. */
    public UpstreamManifest manifest(String reference) {
        return manifest(reference, Duration.ofMinutes(30));
    }

    /** As {@link #manifest(String)}, giving up when the registry has not answered within {@code timeout}. */
    public UpstreamManifest manifest(String reference, Duration timeout) {
        HttpResponse<InputStream> r = send(path("manifests", reference), ACCEPT, "GET", timeout);
        String what = "manifest " + repository + ":" + reference;
        if (r.statusCode() != 200) throw Http.failure(r, what);
        long declared = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (declared > maxManifestBytes) {
            Http.drain(r);
            throw tooLarge(what, declared);
        }
        byte[] content;
        try (InputStream in = r.body()) {
            content = in.readNBytes(maxManifestBytes + 1);
        } catch (IOException e) {
            throw new UpstreamException(UpstreamException.Reason.UNREACHABLE, "connection lost reading " + what);
        }
        if (content.length > maxManifestBytes) throw tooLarge(what, content.length);
        String type = r.headers().firstValue("Content-Type").orElse("").split(";")[0].strip();
        Digest digest = Digest.sha256(content);
        if (Digest.looksLikeDigest(reference) && !digest.toString().equals(reference)) {
            throw new UpstreamException(UpstreamException.Reason.PROTOCOL, what + " does not match its digest");
        }
        return new UpstreamManifest(content, type, digest.toString());
    }

    /** Opens a blob for streaming; the caller verifies the digest as it stores the bytes. */
    public InputStream blob(String digest) {
        HttpResponse<InputStream> r = send(path("blobs", digest), "*/*");
        if (r.statusCode() != 200) throw Http.failure(r, "blob " + digest);
        return r.body();
    }

    private HttpResponse<InputStream> send(URI uri, String accept) {
        return send(uri, accept, "GET", Duration.ofMinutes(30));
    }

    private HttpResponse<InputStream> send(URI uri, String accept, String method, Duration timeout) {
        if (authorization == null) ping();
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).method(method,
                HttpRequest.BodyPublishers.noBody()).header("Accept", accept);
        if (!authorization.isEmpty()) b.header("Authorization", authorization);
        return Http.send(http, b.build());
    }

    /**
     * The digest a tag (or digest) resolves to now, from a manifest HEAD, without downloading the manifest; for
     * pull-through mirrors revalidating a cached tag. {@code timeout} bounds the whole request.
     */
    public String manifestDigest(String reference, Duration timeout) {
        HttpResponse<InputStream> r = send(path("manifests", reference), ACCEPT, "HEAD", timeout);
        Http.drain(r);
        String what = "manifest " + repository + ":" + reference;
        if (r.statusCode() != 200) throw Http.failure(r, what);
        return r.headers().firstValue("Docker-Content-Digest").filter(Digest::looksLikeDigest)
                .orElseThrow(() -> new UpstreamException(UpstreamException.Reason.PROTOCOL,
                        "the registry answered the HEAD of " + what + " without a Docker-Content-Digest"));
    }

    /** A blob's stream and its length as the registry declared it ({@code -1} when it sent none). */
    public record Blob(InputStream body, long length) {}

    /** As {@link #blob(String)}, with the declared length, which a mirror needs before it answers its client. */
    public Blob blobWithLength(String digest, Duration headersTimeout) {
        HttpResponse<InputStream> r = send(path("blobs", digest), "*/*", "GET", headersTimeout);
        if (r.statusCode() != 200) throw Http.failure(r, "blob " + digest);
        return new Blob(r.body(), r.headers().firstValueAsLong("Content-Length").orElse(-1));
    }

    private URI path(String kind, String reference) {
        return base.resolve("/v2/" + repository + "/" + kind + "/" + reference);
    }

    private UpstreamException tooLarge(String what, long size) {
        return new UpstreamException(UpstreamException.Reason.TOO_LARGE, what + " is larger than "
                + maxManifestBytes + " bytes (" + size + ")");
    }
}
