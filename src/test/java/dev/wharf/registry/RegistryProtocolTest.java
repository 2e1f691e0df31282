package dev.wharf.registry;

import static dev.wharf.registry.TestRegistry.errorCode;
import static dev.wharf.registry.TestRegistry.json;
import static dev.wharf.registry.TestRegistry.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.model.Digest;
import dev.wharf.testing.TestServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OCI Distribution Spec v1.1 endpoints over real HTTP against an in-process node on SQLite + filesystem. */
class RegistryProtocolTest {
    @TempDir static Path dir;
    static TestRegistry reg;

    @BeforeAll
    static void start() {
        reg = new TestRegistry(TestServer.builder(dir).auth(false).build());
    }

    @AfterAll
    static void stop() {
        reg.close();
    }

    @Test
    void baseEndpointAnnouncesApiVersion() {
        HttpResponse<byte[]> r = reg.get("/v2/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Docker-Distribution-API-Version")).hasValue("registry/2.0");
    }

    @Test
    void monolithicUploadThenHeadAndGet() {
        byte[] data = "hello blob".getBytes(StandardCharsets.UTF_8);
        Digest d = reg.pushBlob("mono/app", data);
        HttpResponse<byte[]> head = reg.send("HEAD", "/v2/mono/app/blobs/" + d, null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(data.length));
        assertThat(head.headers().firstValue("Docker-Content-Digest")).hasValue(d.toString());
        HttpResponse<byte[]> get = reg.get("/v2/mono/app/blobs/" + d);
        assertThat(get.body()).isEqualTo(data);
    }

    @Test
    void postThenSinglePut() {
        byte[] data = "post then put".getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256(data);
        HttpResponse<byte[]> post = reg.send("POST", "/v2/pp/app/blobs/uploads/", null);
        assertThat(post.statusCode()).isEqualTo(202);
        String location = post.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("/v2/pp/app/blobs/uploads/");
        assertThat(post.headers().firstValue("Range")).hasValue("0-0");
        HttpResponse<byte[]> put = reg.send("PUT", location + "?digest=" + d, data,
                "Content-Type", "application/octet-stream");
        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(put.headers().firstValue("Location")).hasValue("/v2/pp/app/blobs/" + d);
        assertThat(reg.get("/v2/pp/app/blobs/" + d).body()).isEqualTo(data);
    }

    @Test
    void chunkedUploadChecksOrderAndReportsStatus() {
        byte[] a = "first-chunk-".getBytes(StandardCharsets.UTF_8);
        byte[] b = "second-chunk".getBytes(StandardCharsets.UTF_8);
        byte[] all = (new String(a) + new String(b)).getBytes(StandardCharsets.UTF_8);
        String loc = reg.send("POST", "/v2/chunk/app/blobs/uploads/", null).headers().firstValue("Location")
                .orElseThrow();
        HttpResponse<byte[]> p1 = reg.send("PATCH", loc, a, "Content-Range", "0-" + (a.length - 1),
                "Content-Type", "application/octet-stream");
        assertThat(p1.statusCode()).isEqualTo(202);
        assertThat(p1.headers().firstValue("Range")).hasValue("0-" + (a.length - 1));

        HttpResponse<byte[]> gap = reg.send("PATCH", loc, b, "Content-Range", (a.length + 5) + "-" + (a.length + 5
                + b.length - 1), "Content-Type", "application/octet-stream");
        assertThat(gap.statusCode()).isEqualTo(416);
        assertThat(gap.headers().firstValue("Range")).hasValue("0-" + (a.length - 1));

        HttpResponse<byte[]> status = reg.get(loc);
        assertThat(status.statusCode()).isEqualTo(204);
        assertThat(status.headers().firstValue("Range")).hasValue("0-" + (a.length - 1));

        HttpResponse<byte[]> p2 = reg.send("PATCH", loc, b, "Content-Range", a.length + "-" + (all.length - 1),
                "Content-Type", "application/octet-stream");
        assertThat(p2.statusCode()).isEqualTo(202);
        HttpResponse<byte[]> done = reg.send("PUT", loc + "?digest=" + Digest.sha256(all), null);
        assertThat(done.statusCode()).isEqualTo(201);
        assertThat(reg.get("/v2/chunk/app/blobs/" + Digest.sha256(all)).body()).isEqualTo(all);
    }

    @Test
    void wrongDigestStoresNothing() {
        byte[] data = "real content".getBytes(StandardCharsets.UTF_8);
        Digest claimed = Digest.sha256("other content".getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> r = reg.send("POST", "/v2/bad/digest/blobs/uploads/?digest=" + claimed, data);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(errorCode(r)).isEqualTo("DIGEST_INVALID");
        assertThat(reg.send("HEAD", "/v2/bad/digest/blobs/" + claimed, null).statusCode()).isEqualTo(404);
        assertThat(reg.send("HEAD", "/v2/bad/digest/blobs/" + Digest.sha256(data), null).statusCode())
                .isEqualTo(404);
    }

    @Test
    void sha512BlobsAreAccepted() {
        byte[] data = "sha512 content".getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.of("sha512", data);
        assertThat(reg.send("POST", "/v2/s512/app/blobs/uploads/?digest=" + d, data).statusCode()).isEqualTo(201);
        assertThat(reg.get("/v2/s512/app/blobs/" + d).body()).isEqualTo(data);
    }

    @Test
    void cancelledUploadIsGone() {
        String loc = reg.send("POST", "/v2/cancel/app/blobs/uploads/", null).headers().firstValue("Location")
                .orElseThrow();
        assertThat(reg.send("DELETE", loc, null).statusCode()).isEqualTo(204);
        HttpResponse<byte[]> r = reg.get(loc);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(errorCode(r)).isEqualTo("BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void uploadSessionsAreBoundToTheirRepository() {
        String loc = reg.send("POST", "/v2/owner/app/blobs/uploads/", null).headers().firstValue("Location")
                .orElseThrow();
        String id = loc.substring(loc.lastIndexOf('/') + 1);
        HttpResponse<byte[]> r = reg.get("/v2/other/app/blobs/uploads/" + id);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(errorCode(r)).isEqualTo("BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void rangeRequests() {
        byte[] data = "0123456789".getBytes(StandardCharsets.UTF_8);
        Digest d = reg.pushBlob("range/app", data);
        HttpResponse<byte[]> part = reg.get("/v2/range/app/blobs/" + d, "Range", "bytes=2-5");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(new String(part.body())).isEqualTo("2345");
        assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 2-5/10");
        assertThat(new String(reg.get("/v2/range/app/blobs/" + d, "Range", "bytes=-3").body())).isEqualTo("789");
        HttpResponse<byte[]> bad = reg.get("/v2/range/app/blobs/" + d, "Range", "bytes=20-30");
        assertThat(bad.statusCode()).isEqualTo(416);
        assertThat(bad.headers().firstValue("Content-Range")).hasValue("bytes */10");
    }

    /**
     * A large blob goes out past Jetty's own writes (by default a 32 KiB copy to the socket): two GETs (whole, then
     * a range) on one HTTP/1.1 connection must both arrive intact, so Jetty counted the bytes and kept the
     * connection open. The body is larger than the loopback socket's buffers can hold and the client reads late
     * through a small receive buffer, so the server finds the socket full and waits for it to drain (3 MiB did not
     * get there; with 12 MiB a debug print counted 13 waits over this test and the sendfile one). Carrying a partly
     * taken buffer over is SocketBodyTest's.
     */
    @Test
    void largeBlobsAreSentWholeAndRangedOnOneKeptAliveConnection() throws Exception {
        sendsLargeBlobsPastJetty(reg, "copy/app");
    }

    /** The same with {@code http.sendfile} on: the bodies go out by sendfile(2), 256 KiB per call. */
    @Test
    void largeBlobsBySendfileAreSentWholeAndRangedOnOneKeptAliveConnection(@TempDir Path sendfileDir)
            throws Exception {
        try (TestRegistry sendfile = new TestRegistry(TestServer.builder(sendfileDir).auth(false)
                .flags("--http-sendfile", "true").build())) {
            sendsLargeBlobsPastJetty(sendfile, "sendfile/app");
        }
    }

    private static void sendsLargeBlobsPastJetty(TestRegistry registry, String repository) throws Exception {
        byte[] data = new byte[12 * 1024 * 1024 + 17];
        new java.util.Random(14).nextBytes(data);
        Digest d = registry.pushBlob(repository, data);
        long before = SocketBody.bodiesSent();
        java.net.URI base = java.net.URI.create(registry.base);
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.setReceiveBufferSize(16 * 1024);
            socket.connect(new java.net.InetSocketAddress(base.getHost(), base.getPort()));
            socket.setSoTimeout(10_000);
            var out = socket.getOutputStream();
            var in = new java.io.BufferedInputStream(socket.getInputStream());
            String path = "/v2/" + repository + "/blobs/" + d;
            out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(200); // the server fills the socket and has to wait for this reader
            assertThat(readResponse(in)).isEqualTo(data);
            out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nRange: bytes=1000-2000999\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readResponse(in)).isEqualTo(java.util.Arrays.copyOfRange(data, 1000, 2001000));
        }
        // The server counts a body once its last write returned, which can be just after the client has read it.
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(5).toNanos();
        while (SocketBody.bodiesSent() - before < 2 && System.nanoTime() < deadline) Thread.sleep(10);
        assertThat(SocketBody.bodiesSent() - before).as("both bodies past Jetty").isEqualTo(2);
    }

    /**
     * A client that leaves in the middle of a blob sent past Jetty: the bytes it was sent are counted in
     * wharf_registry_bytes_sent, as they are when the body goes through Jetty (before, such a body counted none).
     */
    @Test
    void aBlobCutShortByItsClientCountsTheBytesSent() throws Exception {
        byte[] data = new byte[12 * 1024 * 1024];
        new java.util.Random(15).nextBytes(data);
        Digest d = reg.pushBlob("cut/app", data);
        double before = reg.metric("wharf_registry_bytes_sent_total");
        long bodiesBefore = SocketBody.bodiesSent();
        java.net.URI base = java.net.URI.create(reg.base);
        int read = 1024 * 1024;
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.setReceiveBufferSize(16 * 1024);
            socket.connect(new java.net.InetSocketAddress(base.getHost(), base.getPort()));
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /v2/cut/app/blobs/" + d + " HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            var in = new java.io.BufferedInputStream(socket.getInputStream());
            assertThat(readHead(in)).startsWith("http/1.1 200");
            assertThat(in.readNBytes(read)).hasSize(read);
            socket.setSoLinger(true, 0); // a reset: the server's next write fails at once
        }
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (reg.metric("wharf_registry_bytes_sent_total") == before && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(reg.metric("wharf_registry_bytes_sent_total") - before).as("bytes sent before the client left")
                .isBetween((double) read, (double) data.length - 1);
        assertThat(SocketBody.bodiesSent()).as("not counted as a whole body").isEqualTo(bodiesBefore);
    }

    /**
     * What Go clients (skopeo, containerd, docker) send for a layer: one PATCH whose body is chunked. The chunk
     * sizes here put chunk boundaries anywhere in, and across, the server's 64 KiB request buffers; every byte
     * must land in the upload once, in order, so the completion verifies against the digest.
     */
    @Test
    void chunkedBodyOfSeveralMiBIsStoredExactly() throws Exception {
        byte[] data = new byte[5 * 1024 * 1024 + 333];
        new java.util.Random(4).nextBytes(data);
        Digest d = Digest.sha256(data);
        String loc = reg.send("POST", "/v2/gochunks/app/blobs/uploads/", null).headers().firstValue("Location")
                .orElseThrow();
        int[] sizes = {1, 32768, 65535, 65536, 65537, 100_000, 7, 131_072, 4093};
        java.net.URI base = java.net.URI.create(reg.base);
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(10_000);
            var out = new java.io.BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            out.write(("PATCH " + loc + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            for (int off = 0, i = 0; off < data.length; i++) {
                int n = Math.min(sizes[i % sizes.length], data.length - off);
                out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(data, off, n);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                off += n;
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead(new java.io.BufferedInputStream(socket.getInputStream()));
            assertThat(head).startsWith("http/1.1 202").contains("range: 0-" + (data.length - 1));
        }
        assertThat(reg.send("PUT", loc + "?digest=" + d, null).statusCode()).isEqualTo(201);
        assertThat(reg.get("/v2/gochunks/app/blobs/" + d).body()).isEqualTo(data);
    }

    /** The status line and headers of one HTTP/1.1 response, lower-cased. */
    private static String readHead(java.io.InputStream in) throws java.io.IOException {
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new java.io.EOFException("connection closed in the headers: " + head);
            head.write(b);
        }
        return head.toString(StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
    }

    /** Reads one HTTP/1.1 response with a Content-Length body from {@code in}; fails on Connection: close. */
    private static byte[] readResponse(java.io.InputStream in) throws java.io.IOException {
        java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new java.io.EOFException("connection closed in the headers: " + head);
            head.write(b);
        }
        String headers = head.toString(StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT);
        assertThat(headers).doesNotContain("connection: close");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("content-length: *(\\d+)").matcher(headers);
        assertThat(m.find()).as(headers).isTrue();
        return in.readNBytes(Integer.parseInt(m.group(1)));
    }

    @Test
    void manifestPushPullByTagAndDigest() {
        byte[] manifest = reg.pushImage("img/app", "v1", "layer one");
        Digest d = Digest.sha256(manifest);
        for (String ref : List.of("v1", d.toString())) {
            HttpResponse<byte[]> r = reg.get("/v2/img/app/manifests/" + ref, "Accept",
                    "application/vnd.oci.image.manifest.v1+json");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(manifest);
            assertThat(r.headers().firstValue("Docker-Content-Digest")).hasValue(d.toString());
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/vnd.oci.image.manifest.v1+json");
            assertThat(r.headers().firstValue("ETag")).hasValue("\"" + d + "\"");
        }
        HttpResponse<byte[]> head = reg.send("HEAD", "/v2/img/app/manifests/v1", null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(manifest.length));
        HttpResponse<byte[]> notAccepted = reg.get("/v2/img/app/manifests/v1", "Accept",
                "application/vnd.docker.distribution.manifest.list.v2+json");
        assertThat(notAccepted.statusCode()).isEqualTo(404);
    }

    @Test
    void manifestWithMissingBlobIsRefused() {
        Digest missing = Digest.sha256("nowhere".getBytes());
        Digest config = reg.pushBlob("missing/app", "{}".getBytes());
        String m = TestRegistry.imageManifest(config, 2, missing, 7, null);
        HttpResponse<byte[]> r = reg.send("PUT", "/v2/missing/app/manifests/v1", m.getBytes(), "Content-Type",
                "application/vnd.oci.image.manifest.v1+json");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(errorCode(r)).isEqualTo("MANIFEST_BLOB_UNKNOWN");
        assertThat(json(r).path("errors").path(0).path("detail").path("blobs").get(0).asText())
                .isEqualTo(missing.toString());
        assertThat(reg.get("/v2/missing/app/manifests/v1").statusCode()).isEqualTo(404);
    }

    @Test
    void invalidManifestsAreRefused() {
        String oci = "application/vnd.oci.image.manifest.v1+json";
        HttpResponse<byte[]> notJson = reg.send("PUT", "/v2/inv/app/manifests/a", "{nope".getBytes(),
                "Content-Type", oci);
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(errorCode(notJson)).isEqualTo("MANIFEST_INVALID");
        HttpResponse<byte[]> schema1 = reg.send("PUT", "/v2/inv/app/manifests/a",
                "{\"schemaVersion\":1,\"name\":\"inv/app\",\"tag\":\"a\",\"fsLayers\":[]}".getBytes(),
                "Content-Type", "application/vnd.docker.distribution.manifest.v1+prettyjws");
        assertThat(schema1.statusCode()).isEqualTo(400);
        assertThat(errorCode(schema1)).isEqualTo("MANIFEST_INVALID");
        assertThat(text(schema1)).contains("schema 1");
        HttpResponse<byte[]> badTag = reg.send("PUT", "/v2/inv/app/manifests/-bad", "{}".getBytes(),
                "Content-Type", oci);
        assertThat(badTag.statusCode()).isEqualTo(400);
    }

    @Test
    void oversizedManifestGets413() {
        byte[] huge = new byte[4 * 1024 * 1024 + 10];
        java.util.Arrays.fill(huge, (byte) ' ');
        HttpResponse<byte[]> r = reg.send("PUT", "/v2/big/app/manifests/v1", huge, "Content-Type",
                "application/vnd.oci.image.manifest.v1+json");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(errorCode(r)).isEqualTo("SIZE_INVALID");
    }

    @Test
    void manifestPushedByWrongDigestIsRefused() {
        Digest wrong = Digest.sha256("x".getBytes());
        HttpResponse<byte[]> r = reg.send("PUT", "/v2/wd/app/manifests/" + wrong,
                "{\"schemaVersion\":2}".getBytes(), "Content-Type", "application/vnd.oci.image.manifest.v1+json");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(errorCode(r)).isEqualTo("DIGEST_INVALID");
    }

    @Test
    void indexProtectsItsChildren() {
        byte[] child = reg.pushImage("idx/app", "child", "child layer");
        Digest childDigest = Digest.sha256(child);
        String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                + "\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                + childDigest + "\",\"size\":" + child.length
                + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";
        HttpResponse<byte[]> ok = reg.send("PUT", "/v2/idx/app/manifests/multi", index.getBytes(),
                "Content-Type", "application/vnd.oci.image.index.v1+json");
        assertThat(ok.statusCode()).isEqualTo(201);
        // One Accept line per media type, as skopeo sends them: any line may carry the stored type.
        HttpResponse<byte[]> negotiated = reg.get("/v2/idx/app/manifests/multi",
                "Accept", "application/vnd.oci.image.manifest.v1+json",
                "Accept", "application/vnd.oci.image.index.v1+json");
        assertThat(negotiated.statusCode()).isEqualTo(200);
        HttpResponse<byte[]> delChild = reg.send("DELETE", "/v2/idx/app/manifests/" + childDigest, null);
        assertThat(delChild.statusCode()).isEqualTo(403);
        assertThat(errorCode(delChild)).isEqualTo("DENIED");
        Digest indexDigest = Digest.sha256(index.getBytes());
        assertThat(reg.send("DELETE", "/v2/idx/app/manifests/" + indexDigest, null).statusCode()).isEqualTo(202);
        assertThat(reg.send("DELETE", "/v2/idx/app/manifests/" + childDigest, null).statusCode()).isEqualTo(202);
        assertThat(reg.get("/v2/idx/app/manifests/child").statusCode()).isEqualTo(404);
    }

    @Test
    void tagListAndCatalogPaginate() {
        for (String t : List.of("a", "b", "c", "d", "e")) reg.pushImage("page/app", t, "layer " + t);
        HttpResponse<byte[]> first = reg.get("/v2/page/app/tags/list?n=2");
        assertThat(json(first).path("tags").toString()).isEqualTo("[\"a\",\"b\"]");
        assertThat(first.headers().firstValue("Link")).hasValue("</v2/page/app/tags/list?n=2&last=b>; rel=\"next\"");
        HttpResponse<byte[]> rest = reg.get("/v2/page/app/tags/list?n=10&last=b");
        assertThat(json(rest).path("tags").toString()).isEqualTo("[\"c\",\"d\",\"e\"]");
        assertThat(rest.headers().firstValue("Link")).isEmpty();
        HttpResponse<byte[]> cat = reg.get("/v2/_catalog?n=1");
        assertThat(json(cat).path("repositories").size()).isEqualTo(1);
        assertThat(cat.headers().firstValue("Link")).isPresent();
        assertThat(errorCode(reg.get("/v2/page/app/tags/list?n=-1"))).isEqualTo("PAGINATION_NUMBER_INVALID");
        HttpResponse<byte[]> unknown = reg.get("/v2/never/pushed/tags/list");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(errorCode(unknown)).isEqualTo("NAME_UNKNOWN");
    }

    @Test
    void referrersWithArtifactTypeFilter() {
        byte[] subject = reg.pushImage("ref/app", "v1", "subject layer");
        Digest subjectDigest = Digest.sha256(subject);
        String subjectJson = "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                + subjectDigest + "\",\"size\":" + subject.length + "}";
        Digest cfg = reg.pushBlob("ref/app", "{}".getBytes());
        Digest sig = reg.pushBlob("ref/app", "signature".getBytes());
        String artifact = TestRegistry.imageManifest(cfg, 2, sig, 9, subjectJson)
                .replace("\"config\":{", "\"artifactType\":\"application/vnd.example.sig\",\"config\":{");
        Digest artifactDigest = Digest.sha256(artifact.getBytes());
        HttpResponse<byte[]> put = reg.send("PUT", "/v2/ref/app/manifests/" + artifactDigest, artifact.getBytes(),
                "Content-Type", "application/vnd.oci.image.manifest.v1+json");
        assertThat(put.statusCode()).isEqualTo(201);
        assertThat(put.headers().firstValue("OCI-Subject")).hasValue(subjectDigest.toString());

        JsonNode all = json(reg.get("/v2/ref/app/referrers/" + subjectDigest));
        assertThat(all.path("manifests").size()).isEqualTo(1);
        assertThat(all.path("manifests").get(0).path("artifactType").asText()).isEqualTo("application/vnd.example.sig");
        HttpResponse<byte[]> filtered = reg.get("/v2/ref/app/referrers/" + subjectDigest
                + "?artifactType=application/vnd.example.sbom");
        assertThat(filtered.headers().firstValue("OCI-Filters-Applied")).hasValue("artifactType");
        assertThat(json(filtered).path("manifests").size()).isZero();
        HttpResponse<byte[]> none = reg.get("/v2/ref/app/referrers/" + Digest.sha256("zz".getBytes()));
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(json(none).path("manifests").size()).isZero();
    }

    @Test
    void crossRepositoryMount() {
        Digest d = reg.pushBlob("mount/src", "shared layer".getBytes());
        HttpResponse<byte[]> mounted = reg.send("POST", "/v2/mount/dst/blobs/uploads/?mount=" + d
                + "&from=mount/src", null);
        assertThat(mounted.statusCode()).isEqualTo(201);
        assertThat(mounted.headers().firstValue("Location")).hasValue("/v2/mount/dst/blobs/" + d);
        assertThat(reg.send("HEAD", "/v2/mount/dst/blobs/" + d, null).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> fallback = reg.send("POST", "/v2/mount/dst2/blobs/uploads/?mount=" + d
                + "&from=nowhere/else", null);
        assertThat(fallback.statusCode()).isEqualTo(202);
        assertThat(fallback.headers().firstValue("Location")).isPresent();
    }

    @Test
    void deleteTagAndManifest() {
        byte[] m = reg.pushImage("del/app", "v1", "to delete");
        Digest d = Digest.sha256(m);
        assertThat(reg.send("DELETE", "/v2/del/app/manifests/v1", null).statusCode()).isEqualTo(202);
        assertThat(reg.get("/v2/del/app/manifests/v1").statusCode()).isEqualTo(404);
        assertThat(reg.get("/v2/del/app/manifests/" + d).statusCode()).isEqualTo(200);
        assertThat(reg.send("DELETE", "/v2/del/app/manifests/" + d, null).statusCode()).isEqualTo(202);
        HttpResponse<byte[]> gone = reg.get("/v2/del/app/manifests/" + d);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(errorCode(gone)).isEqualTo("MANIFEST_UNKNOWN");
        Digest blob = reg.pushBlob("del/app", "blob to delete".getBytes());
        assertThat(reg.send("DELETE", "/v2/del/app/blobs/" + blob, null).statusCode()).isEqualTo(202);
        assertThat(reg.send("HEAD", "/v2/del/app/blobs/" + blob, null).statusCode()).isEqualTo(404);
    }

    @Test
    void badNamesAndDigestsGetSpecErrors() {
        HttpResponse<byte[]> badName = reg.get("/v2/UPPER/case/manifests/latest");
        assertThat(badName.statusCode()).isEqualTo(400);
        assertThat(errorCode(badName)).isEqualTo("NAME_INVALID");
        HttpResponse<byte[]> badDigest = reg.get("/v2/ok/name/blobs/sha256:xyz");
        assertThat(badDigest.statusCode()).isEqualTo(400);
        assertThat(errorCode(badDigest)).isEqualTo("DIGEST_INVALID");
        HttpResponse<byte[]> md5 = reg.get("/v2/ok/name/blobs/md5:d41d8cd98f00b204e9800998ecf8427e");
        assertThat(errorCode(md5)).isEqualTo("DIGEST_INVALID");
        HttpResponse<byte[]> nowhere = reg.get("/v2/ok/name/nothing-here");
        assertThat(nowhere.statusCode()).isEqualTo(404);
        assertThat(json(nowhere).path("errors").isArray()).isTrue();
        HttpResponse<byte[]> method = reg.send("PATCH", "/v2/ok/name/manifests/latest", "x".getBytes());
        assertThat(method.statusCode()).isEqualTo(405);
        assertThat(errorCode(method)).isEqualTo("UNSUPPORTED");
        HttpResponse<byte[]> badRange = reg.send("PATCH", "/v2/ok/name/blobs/uploads/abc", "x".getBytes(),
                "Content-Range", "garbage");
        assertThat(badRange.statusCode()).isIn(404, 416);
    }

    @Test
    void concurrentPushesOfSameBlobAndTagEndConsistent() throws Exception {
        byte[] layer = "shared by all".getBytes();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<byte[]>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                reg.pushBlob("race/app", layer);
                return reg.pushImage("race/app", "latest", "layer from pusher " + n);
            }));
        }
        List<Digest> pushed = new ArrayList<>();
        for (Future<byte[]> f : results) pushed.add(Digest.sha256(f.get()));
        pool.shutdown();
        HttpResponse<byte[]> r = reg.get("/v2/race/app/manifests/latest");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(pushed).contains(Digest.sha256(r.body()));
        assertThat(reg.get("/v2/race/app/blobs/" + Digest.sha256(layer)).body()).isEqualTo(layer);
    }
}
