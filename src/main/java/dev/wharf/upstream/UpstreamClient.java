package dev.wharf.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.model.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pulls from one repository of an upstream registry (Distribution API v2), over an {@link OutboundHttp} (so the
 * outbound policy applies to every connection). Credentials are sent only when the registry asks for them (a 401
 * challenge), only to the configured origin (Basic) or the token realm its challenge names (bearer), never past
 * a redirect to another origin, and never over plain HTTP unless the source allows it. A bearer token is fetched
 * once per client (i.e. per import) and again when it expires; clients given an {@link UpstreamAuth} share the
 * registry's root challenge and the tokens of each repository scope with the other clients of that registry.
 */
public final class UpstreamClient {
    public static final String ACCEPT = String.join(", ",
            "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");
    private static final Duration BLOB_TIMEOUT = Duration.ofMinutes(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Tags asked for per page of a tag list; a registry may send fewer (and a Link to the rest) or ignore it. */
    private static final int TAG_PAGE = 1000;
    /** The most one page of a list may hold: a registry that ignores {@code n} sends every tag at once. */
    private static final int MAX_LIST_PAGE_BYTES = 16 << 20;
    /** The most pages of one list followed. */
    private static final int MAX_LIST_PAGES = 1000;
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]*)>\\s*;[^,]*rel=\"?next\"?");

    private final OutboundHttp http;
    private final URI base;
    private final String repository;
    private final Credentials credentials;
    private final int maxManifestBytes;
    private final boolean allowPlainHttp;
    private final Duration contactTimeout;
    private final UpstreamAuth shared; // null: nothing shared beyond this client
    private volatile String authorization; // null until authorized; "" when the registry needs none
    private volatile Instant authorizedUntil; // when a bearer token stops being used; null: no expiry
    /** Told the pull budget each answer states (Docker Hub's ratelimit headers); null: nobody asks. */
    private volatile java.util.function.Consumer<UpstreamRateLimit> rateLimits;

    /**
     * @param baseUrl {@code https://host[:port]} (a bare host means https)
     * @param credentials null for anonymous pulls
     * @param allowPlainHttp whether credentials may be sent over plain HTTP (the source must say so)
     */
    public UpstreamClient(OutboundHttp http, String baseUrl, String repository, Credentials credentials,
            int maxManifestBytes, boolean allowPlainHttp) {
        this(http, baseUrl, repository, credentials, maxManifestBytes, allowPlainHttp, Http.TIMEOUT);
    }

    /** @param contactTimeout how long the first contact ({@code GET /v2/}) may take; mirrors keep it short */
    public UpstreamClient(OutboundHttp http, String baseUrl, String repository, Credentials credentials,
            int maxManifestBytes, boolean allowPlainHttp, Duration contactTimeout) {
        this(http, baseUrl, repository, credentials, maxManifestBytes, allowPlainHttp, contactTimeout, null);
    }

    /**
     * @param shared what this registry said about authentication, shared with the clients of its other
     *     repositories (same origin and credentials only); null to share nothing
     */
    public UpstreamClient(OutboundHttp http, String baseUrl, String repository, Credentials credentials,
            int maxManifestBytes, boolean allowPlainHttp, Duration contactTimeout, UpstreamAuth shared) {
        this.contactTimeout = contactTimeout;
        this.shared = shared;
        String full = baseUrl.contains("://") ? baseUrl : "https://" + baseUrl;
        this.base = URI.create(full.endsWith("/") ? full.substring(0, full.length() - 1) : full);
        this.http = http;
        this.repository = repository;
        this.credentials = credentials;
        this.maxManifestBytes = maxManifestBytes;
        this.allowPlainHttp = allowPlainHttp;
    }

    /**
     * The former constructor: {@link OutboundHttp#defaults()} (the default outbound policy, not the configured
     * one) and credentials over HTTPS only. Pass the server's {@link OutboundHttp} instead.
     */
    @Deprecated
    public UpstreamClient(String baseUrl, String repository, Credentials credentials, int maxManifestBytes) {
        this(OutboundHttp.defaults(), baseUrl, repository, credentials, maxManifestBytes, false);
    }

    /** GET /v2/ and authenticate as the registry's challenge asks. */
    public void ping() {
        OutboundResponse r = http.get(base.resolve("/v2/"), Map.of(), contactTimeout);
        Http.drain(r);
        if (r.status() == 200) {
            if (shared != null) shared.root(new UpstreamAuth.Root(null, r.uri()));
            authorized("", null); // no challenge, no credentials: they are sent only when asked for
            return;
        }
        if (r.status() != 401) throw Http.failure(r, "the registry's API root");
        Challenge c = Challenge.parse(r.header("WWW-Authenticate").orElse(null));
        if (shared != null && c != null) shared.root(new UpstreamAuth.Root(c, r.uri()));
        answer(c, r.uri());
    }

    /** Authorizes from what another client of this registry learnt at its root, else asks the root itself. */
    private void authorize() {
        Optional<UpstreamAuth.Root> known = shared == null ? Optional.empty() : shared.root();
        if (known.isEmpty()) {
            ping();
        } else if (known.get().challenge() == null) {
            authorized("", null);
        } else {
            answer(known.get().challenge(), known.get().answeredBy());
        }
    }

    private void authorized(String header, Instant until) {
        authorizedUntil = until;
        authorization = header;
    }

    private Instant now() {
        return shared != null ? shared.now() : Instant.now();
    }

    private String scope() {
        return "repository:" + repository + ":pull";
    }

    /** Sets the Authorization header that answers a challenge (a bearer token shared per scope when it can be). */
    private void answer(Challenge c, URI answeredBy) {
        if (c == null) throw new UpstreamException(UpstreamException.Reason.PROTOCOL,
                "the registry answered 401 without a WWW-Authenticate challenge");
        switch (c.scheme()) {
            case "bearer" -> {
                Optional<UpstreamAuth.Token> kept = shared == null ? Optional.empty() : shared.token(scope());
                if (kept.isPresent()) {
                    authorized("Bearer " + kept.get().value(), kept.get().useUntil());
                    return;
                }
                TokenFetch.Fetched token = TokenFetch.fetch(http, c, repository, credentials, allowPlainHttp);
                Instant until = shared != null ? shared.keep(scope(), token.token(), token.lifetime())
                        : now().plusMillis(token.lifetime().toMillis() * 9 / 10);
                authorized("Bearer " + token.token(), until);
            }
            case "basic" -> {
                if (credentials == null) throw new UpstreamException(UpstreamException.Reason.UNAUTHORIZED,
                        "the registry requires a user name and password, and the source has none");
                // The challenge must come from the configured origin itself, not from where a redirect led.
                if (!OutboundHttp.sameOrigin(base, answeredBy)) throw new UpstreamException(
                        UpstreamException.Reason.UNAUTHORIZED, "the registry redirected to "
                                + OutboundHttp.hostOf(answeredBy) + ", which asked for the source's credentials; they"
                                + " are only sent to " + OutboundHttp.hostOf(base));
                if ("http".equalsIgnoreCase(base.getScheme()) && !allowPlainHttp) throw plainHttp(base);
                authorized(credentials.basicHeader(), null);
            }
            default -> throw new UpstreamException(UpstreamException.Reason.PROTOCOL,
                    "unsupported authentication scheme " + c.scheme());
        }
    }

    static UpstreamException plainHttp(URI uri) {
        return new UpstreamException(UpstreamException.Reason.UNAUTHORIZED, OutboundHttp.hostOf(uri)
                + " asks for the source's credentials over plain HTTP; they are only sent over HTTPS unless the"
                + " origin sets allow_plain_http");
    }

    /** The manifest or index for a tag or digest, verified against the digest when one was asked for. */
    public UpstreamManifest manifest(String reference) {
        return manifest(reference, Http.TIMEOUT);
    }

    /** As {@link #manifest(String)}, giving up when the exchange takes longer than {@code timeout}. */
    public UpstreamManifest manifest(String reference, Duration timeout) {
        String what = "manifest " + repository + ":" + reference;
        OutboundResponse r = send(path("manifests", reference), ACCEPT, timeout);
        if (r.status() != 200) throw Http.failure(r, what);
        long declared = r.contentLength().orElse(-1);
        if (declared > maxManifestBytes) {
            r.close();
            throw tooLarge(what, declared);
        }
        byte[] content;
        try {
            content = r.readAtMost(maxManifestBytes + 1);
        } catch (IOException e) {
            throw new UpstreamException(UpstreamException.Reason.UNREACHABLE, "connection lost reading " + what);
        }
        if (content.length > maxManifestBytes) throw tooLarge(what, content.length);
        String type = r.header("Content-Type").orElse("").split(";")[0].strip();
        Digest digest = Digest.sha256(content);
        if (Digest.looksLikeDigest(reference) && !digest.toString().equals(reference)) {
            throw new UpstreamException(UpstreamException.Reason.PROTOCOL, what + " does not match its digest");
        }
        return new UpstreamManifest(content, type, digest.toString());
    }

    /**
     * Every tag of the repository, following the registry's {@code Link: <…>; rel="next"} pages (the spec's
     * pagination). A next page on another origin is refused: the request would carry this registry's
     * authorization there.
     *
     * @throws UpstreamException NOT_FOUND when the registry does not know the repository; TOO_LARGE past
     *     {@code maxTags}; PROTOCOL for an answer that is no tag list
     */
    public List<String> tags(Duration timeout, int maxTags) {
        String what = "the tag list of " + repository;
        List<String> tags = new ArrayList<>();
        for (JsonNode tag : pagedArray(base.resolve("/v2/" + repository + "/tags/list?n=" + TAG_PAGE),
                "application/json", "tags", maxTags, timeout, what)) {
            if (!tag.isTextual()) {
                throw new UpstreamException(UpstreamException.Reason.PROTOCOL, what + " holds a tag that is no string");
            }
            tags.add(tag.asText());
        }
        return tags;
    }

    /**
     * The descriptors of the manifests whose subject is {@code digest}, from the registry's referrers API (every
     * page, as for {@link #tags}), unfiltered.
     *
     * @throws UpstreamException NOT_FOUND when the registry has no referrers API (or does not know the
     *     repository): clients then look for the tag schema's {@code sha256-<hex>} tag; TOO_LARGE past
     *     {@code maxDescriptors}; PROTOCOL for an answer that is no list of descriptors
     */
    public List<JsonNode> referrers(String digest, Duration timeout, int maxDescriptors) {
        String what = "the referrers of " + repository + "@" + digest;
        List<JsonNode> descriptors = pagedArray(base.resolve("/v2/" + repository + "/referrers/" + digest),
                "application/vnd.oci.image.index.v1+json", "manifests", maxDescriptors, timeout, what);
        for (JsonNode d : descriptors) {
            if (!d.isObject() || !d.path("mediaType").isTextual() || !Digest.looksLikeDigest(d.path("digest").asText())
                    || !d.path("size").canConvertToLong()) {
                throw new UpstreamException(UpstreamException.Reason.PROTOCOL, what + " holds an entry that is no"
                        + " descriptor");
            }
        }
        return descriptors;
    }

    /**
     * The elements of the array {@code field} of a JSON answer, over every page its {@code Link} headers name on
     * this registry's origin (a null or absent field is an empty page).
     */
    private List<JsonNode> pagedArray(URI first, String accept, String field, int max, Duration timeout, String what) {
        List<JsonNode> all = new ArrayList<>();
        Set<URI> asked = new HashSet<>();
        URI next = first;
        while (next != null) {
            // A Link back to a page already read (or an endless chain of empty pages) would never end.
            if (!asked.add(next) || asked.size() > MAX_LIST_PAGES) {
                throw new UpstreamException(UpstreamException.Reason.PROTOCOL, what + " does not end: its pages link"
                        + " back or go on past " + MAX_LIST_PAGES);
            }
            OutboundResponse r = send(next, accept, timeout);
            if (r.status() != 200) throw Http.failure(r, what);
            URI following = nextPage(r, what);
            byte[] page;
            try {
                page = r.readAtMost(MAX_LIST_PAGE_BYTES + 1);
            } catch (IOException e) {
                throw new UpstreamException(UpstreamException.Reason.UNREACHABLE, "connection lost reading " + what);
            }
            if (page.length > MAX_LIST_PAGE_BYTES) {
                throw new UpstreamException(UpstreamException.Reason.TOO_LARGE, "a page of " + what
                        + " is larger than " + MAX_LIST_PAGE_BYTES + " bytes");
            }
            JsonNode list;
            try {
                list = JSON.readTree(page).path(field);
            } catch (IOException e) {
                throw new UpstreamException(UpstreamException.Reason.PROTOCOL, what + " is not JSON");
            }
            if (!list.isArray() && !list.isNull() && !list.isMissingNode()) {
                throw new UpstreamException(UpstreamException.Reason.PROTOCOL, what + " has no \"" + field
                        + "\" array");
            }
            list.forEach(all::add);
            if (all.size() > max) {
                throw new UpstreamException(UpstreamException.Reason.TOO_LARGE, what + " holds more than " + max
                        + " entries");
            }
            next = following;
        }
        return all;
    }

    /** The next page a list's {@code Link} header names, on this registry's origin; null when there is none. */
    private URI nextPage(OutboundResponse r, String what) {
        for (String link : r.headers("Link")) {
            Matcher m = NEXT_LINK.matcher(link);
            if (!m.find()) continue;
            URI next;
            try {
                next = r.uri().resolve(m.group(1).strip());
            } catch (IllegalArgumentException e) {
                r.close();
                throw new UpstreamException(UpstreamException.Reason.PROTOCOL, what + " names a next page that is"
                        + " no URL");
            }
            if (!sameOrigin(next, base)) {
                r.close();
                throw new UpstreamException(UpstreamException.Reason.PROTOCOL, what + " names a next page on another"
                        + " origin (" + OutboundHttp.hostOf(next) + ")");
            }
            return next;
        }
        return null;
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** Opens a blob for streaming; the caller verifies the digest as it stores the bytes. */
    public InputStream blob(String digest) {
        OutboundResponse r = send(path("blobs", digest), "*/*", BLOB_TIMEOUT);
        if (r.status() != 200) throw Http.failure(r, "blob " + digest);
        return r.body();
    }

    /**
     * The digest a tag (or digest) resolves to now, from a manifest HEAD, without downloading the manifest (a HEAD
     * does not count against Docker Hub's pull limit); for pull-through mirrors revalidating a cached tag.
     */
    public String manifestDigest(String reference, Duration timeout) {
        String what = "manifest " + repository + ":" + reference;
        OutboundResponse r = send("HEAD", path("manifests", reference), ACCEPT, timeout);
        r.close();
        if (r.status() != 200) throw Http.failure(r, what);
        return r.header("Docker-Content-Digest").filter(Digest::looksLikeDigest)
                .orElseThrow(() -> new UpstreamException(UpstreamException.Reason.PROTOCOL,
                        "the registry answered the HEAD of " + what + " without a Docker-Content-Digest"));
    }

    /**
     * A blob's length from a {@code HEAD}, without opening its body; {@code -1} when the answer has none, or when
     * the {@code HEAD} was refused as a method (403, 405, 501): blob storage that a registry redirects to is often
     * signed for {@code GET} only (an S3 URL answers a {@code HEAD} with 403), so only a {@code GET} can tell.
     *
     * @throws UpstreamException when the registry does not have it, refuses the credentials, or cannot be reached
     */
    public long blobLength(String digest, Duration timeout) {
        OutboundResponse r = send("HEAD", path("blobs", digest), "*/*", timeout);
        r.close();
        if (r.status() == 403 || r.status() == 405 || r.status() == 501) return -1;
        if (r.status() != 200) throw Http.failure(r, "blob " + digest);
        return r.contentLength().orElse(-1);
    }

    /** A blob's body as it arrives, and its length as the registry declared it ({@code -1} when it sent none). */
    public interface Blob extends AutoCloseable {
        long length();

        /** Hands the body to {@code sink}, chunk by chunk on the calling thread, until its end. */
        void readTo(OutboundResponse.BodySink sink) throws IOException;

        /** Abandons the body; a {@link #readTo} in progress on another thread fails. */
        @Override
        void close();
    }

    /** As {@link #blob(String)}, with the declared length, which a mirror needs before it answers its client. */
    public Blob blobWithLength(String digest) {
        OutboundResponse r = send(path("blobs", digest), "*/*", BLOB_TIMEOUT);
        if (r.status() != 200) throw Http.failure(r, "blob " + digest);
        long length = r.contentLength().orElse(-1);
        return new Blob() {
            @Override
            public long length() {
                return length;
            }

            @Override
            public void readTo(OutboundResponse.BodySink sink) throws IOException {
                r.readBody(sink);
            }

            @Override
            public void close() {
                r.close();
            }
        };
    }

    private OutboundResponse send(URI uri, String accept, Duration timeout) {
        return send("GET", uri, accept, timeout);
    }

    /**
     * Sends with the current authorization (renewed when its token has expired); a 401 is answered once: a
     * registry that challenges per repository, or a shared token it no longer takes.
     */
    private OutboundResponse send(String method, URI uri, String accept, Duration timeout) {
        Instant until = authorizedUntil;
        if (authorization == null || until != null && !now().isBefore(until)) authorize();
        OutboundResponse r = http.request(method, uri, headers(accept), timeout);
        if (r.status() == 401 && r.header("WWW-Authenticate").isPresent()
                && (authorization.isEmpty() || shared != null)) {
            Http.drain(r);
            if (shared != null) shared.refused(scope());
            answer(Challenge.parse(r.header("WWW-Authenticate").get()), r.uri());
            r = http.request(method, uri, headers(accept), timeout);
        }
        java.util.function.Consumer<UpstreamRateLimit> to = rateLimits;
        if (to != null) UpstreamRateLimit.of(r).ifPresent(to);
        return r;
    }

    /** Hands every pull budget an answer of this registry states to {@code to} ({@link UpstreamRateLimit}). */
    public void reportRateLimits(java.util.function.Consumer<UpstreamRateLimit> to) {
        rateLimits = to;
    }

    private Map<String, String> headers(String accept) {
        Map<String, String> h = new HashMap<>();
        h.put("Accept", accept);
        if (!authorization.isEmpty()) h.put("Authorization", authorization);
        return h;
    }

    private URI path(String kind, String reference) {
        return base.resolve("/v2/" + repository + "/" + kind + "/" + reference);
    }

    private UpstreamException tooLarge(String what, long size) {
        return new UpstreamException(UpstreamException.Reason.TOO_LARGE, what + " is larger than "
                + maxManifestBytes + " bytes (" + size + ")");
    }
}
