package dev.wharf.registry;

import static dev.wharf.registry.TestRegistry.errorCode;
import static dev.wharf.registry.TestRegistry.json;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.model.Digest;
import dev.wharf.model.MediaTypes;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The distribution spec v1.1.1 additions over raw HTTP, on each database (subclasses start the node): sparse
 * indexes, the referrers Content-Type, manifests addressed by sha512, and {@code ?tag=} pushes.
 */
abstract class DistributionSpecContract {

    /** The node under test, open (auth off): these are protocol tests. */
    abstract TestRegistry reg();

    private static final String INDEX = "application/vnd.oci.image.index.v1+json";
    private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    /** An image manifest whose blobs are pushed (or not): its bytes. */
    private byte[] image(String repo, String seed, boolean pushBlobs) {
        byte[] config = ("{\"architecture\":\"" + seed + "\",\"os\":\"linux\"}").getBytes(UTF_8);
        byte[] layer = ("layer " + seed).getBytes(UTF_8);
        if (pushBlobs) {
            reg().pushBlob(repo, config);
            reg().pushBlob(repo, layer);
        }
        return TestRegistry.imageManifest(Digest.sha256(config), config.length, Digest.sha256(layer), layer.length,
                null).getBytes(UTF_8);
    }

    private static byte[] index(byte[]... children) {
        List<String> descriptors = new ArrayList<>();
        int i = 0;
        for (byte[] child : children) {
            descriptors.add("{\"mediaType\":\"" + MANIFEST + "\",\"digest\":\"" + Digest.sha256(child) + "\",\"size\":"
                    + child.length + ",\"platform\":{\"architecture\":\"arch" + i++ + "\",\"os\":\"linux\"}}");
        }
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + INDEX + "\",\"manifests\":[" + String.join(",", descriptors)
                + "]}").getBytes(UTF_8);
    }

    private HttpResponse<byte[]> put(String repo, String reference, String type, byte[] body) {
        return reg().send("PUT", "/v2/" + repo + "/manifests/" + reference, body, "Content-Type", type);
    }

    // --- sparse indexes ---------------------------------------------------------------------------------

    @Test
    void aSparseIndexIsAcceptedAndItsMissingChildIsManifestUnknown() {
        String repo = "sparse/app";
        byte[] amd64 = image(repo, "amd64", true);
        assertThat(put(repo, Digest.sha256(amd64).toString(), MANIFEST, amd64).statusCode()).isEqualTo(201);
        byte[] arm64 = image(repo, "arm64", false); // a mirror of one platform: never pushed here
        byte[] index = index(amd64, arm64);

        HttpResponse<byte[]> pushed = put(repo, "v1", INDEX, index);
        assertThat(pushed.statusCode()).isEqualTo(201);
        assertThat(pushed.headers().firstValue("Docker-Content-Digest")).hasValue(Digest.sha256(index).toString());

        HttpResponse<byte[]> pulled = reg().get("/v2/" + repo + "/manifests/v1", "Accept", INDEX);
        assertThat(pulled.statusCode()).isEqualTo(200);
        assertThat(pulled.body()).isEqualTo(index);
        assertThat(reg().get("/v2/" + repo + "/manifests/" + Digest.sha256(amd64)).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> missing = reg().get("/v2/" + repo + "/manifests/" + Digest.sha256(arm64));
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(errorCode(missing)).isEqualTo("MANIFEST_UNKNOWN");
        assertThat(reg().send("HEAD", "/v2/" + repo + "/manifests/" + Digest.sha256(arm64), null).statusCode())
                .isEqualTo(404);

        // The Hub's image views: the index is the one image (details: ImageApiTest, which has sessions).
        JsonNode images = json(reg().get("/v2/namespaces/sparse/repositories/app/images"));
        assertThat(images.path("count").asInt()).isEqualTo(1);
        assertThat(images.path("results").get(0).path("digest").asText()).isEqualTo(Digest.sha256(index).toString());

        // The child arrives later (the mirror fetched the other platform): part of the index, not an image.
        image(repo, "arm64", true);
        assertThat(put(repo, Digest.sha256(arm64).toString(), MANIFEST, arm64).statusCode()).isEqualTo(201);
        assertThat(reg().get("/v2/" + repo + "/manifests/" + Digest.sha256(arm64)).statusCode()).isEqualTo(200);
        assertThat(json(reg().get("/v2/namespaces/sparse/repositories/app/images")).path("count").asInt())
                .isEqualTo(1);
        HttpResponse<byte[]> protectedChild = reg().send("DELETE", "/v2/" + repo + "/manifests/"
                + Digest.sha256(arm64), null);
        assertThat(protectedChild.statusCode()).isEqualTo(403);
        assertThat(errorCode(protectedChild)).isEqualTo("DENIED");
    }

    @Test
    void aSparseIndexAndItsChildPushedTogetherAgreeOnTheChildsParent() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 8; round++) {
                String repo = "race/sparse" + round;
                byte[] child = image(repo, "child" + round, true);
                byte[] index = index(child);
                List<Callable<Integer>> both = List.of(
                        () -> put(repo, "v1", INDEX, index).statusCode(),
                        () -> put(repo, Digest.sha256(child).toString(), MANIFEST, child).statusCode());
                for (Future<Integer> f : pool.invokeAll(both)) assertThat(f.get()).isEqualTo(201);
                JsonNode images = json(reg().get("/v2/namespaces/race/repositories/sparse" + round + "/images"));
                assertThat(images.path("count").asInt()).as("round %d: only the index is an image", round)
                        .isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // --- referrers --------------------------------------------------------------------------------------

    @Test
    void referrersAnswerAsAnImageIndexFilteredOrNot() {
        String repo = "refct/app";
        byte[] subject = reg().pushImage(repo, "v1", "subject of referrers");
        Digest subjectDigest = Digest.sha256(subject);
        for (String query : List.of("", "?artifactType=application/vnd.example.sbom")) {
            HttpResponse<byte[]> r = reg().get("/v2/" + repo + "/referrers/" + subjectDigest + query);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue(MediaTypes.OCI_INDEX);
            assertThat(json(r).path("mediaType").asText()).isEqualTo(MediaTypes.OCI_INDEX);
        }
    }

    // --- sha512 -----------------------------------------------------------------------------------------

    @Test
    void aManifestPushedBySha512IsAddressedByThatDigestEverywhere() {
        String repo = "long/app";
        byte[] manifest = image(repo, "sha512", true);
        Digest sha512 = Digest.of("sha512", manifest);

        HttpResponse<byte[]> pushed = put(repo, sha512 + "?tag=long", MANIFEST, manifest);
        assertThat(pushed.statusCode()).isEqualTo(201);
        assertThat(pushed.headers().firstValue("Docker-Content-Digest")).hasValue(sha512.toString());
        assertThat(pushed.headers().firstValue("Location")).hasValue("/v2/" + repo + "/manifests/" + sha512);

        for (String reference : List.of(sha512.toString(), "long")) {
            for (String method : List.of("GET", "HEAD")) {
                HttpResponse<byte[]> r = reg().send(method, "/v2/" + repo + "/manifests/" + reference, null);
                assertThat(r.statusCode()).as(method + " " + reference).isEqualTo(200);
                assertThat(r.headers().firstValue("Docker-Content-Digest")).as(method + " " + reference)
                        .hasValue(sha512.toString());
            }
        }
        assertThat(reg().get("/v2/" + repo + "/manifests/" + sha512).body()).isEqualTo(manifest);
        assertThat(reg().get("/v2/" + repo + "/manifests/" + Digest.sha256(manifest)).statusCode())
                .as("stored under the digest it was pushed by").isEqualTo(404);

        HttpResponse<byte[]> wrong = put(repo, Digest.of("sha512", "other".getBytes(UTF_8)).toString(), MANIFEST,
                manifest);
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertThat(errorCode(wrong)).isEqualTo("DIGEST_INVALID");

        // A push by tag stays sha256.
        HttpResponse<byte[]> byTag = put(repo, "short", MANIFEST, manifest);
        assertThat(byTag.headers().firstValue("Docker-Content-Digest")).hasValue(Digest.sha256(manifest).toString());
        assertThat(reg().send("HEAD", "/v2/" + repo + "/manifests/long", null).headers()
                .firstValue("Docker-Content-Digest")).as("the other tag is untouched").hasValue(sha512.toString());
    }

    // --- route order -----------------------------------------------------------------------------------

    @Test
    void aRepositoryNamedRepositoriesKeepsItsRegistryPathsBesideTheHubsOlderOnes() {
        byte[] manifest = reg().pushImage("repositories", "v1", "named like a Hub path");
        Digest digest = Digest.sha256(manifest);
        HttpResponse<byte[]> tags = reg().get("/v2/repositories/tags/list");
        assertThat(tags.statusCode()).isEqualTo(200);
        assertThat(json(tags).path("tags").toString()).isEqualTo("[\"v1\"]");
        assertThat(reg().get("/v2/repositories/referrers/" + digest).headers().firstValue("Content-Type"))
                .hasValue(MediaTypes.OCI_INDEX);
        assertThat(reg().send("DELETE", "/v2/repositories/manifests/v1", null).statusCode()).isEqualTo(202);
        assertThat(reg().send("DELETE", "/v2/repositories/manifests/" + digest, null).statusCode()).isEqualTo(202);
        HttpResponse<byte[]> gone = reg().get("/v2/repositories/manifests/" + digest);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(errorCode(gone)).isEqualTo("MANIFEST_UNKNOWN");
    }

    // --- ?tag= ------------------------------------------------------------------------------------------

    @Test
    void aPushByDigestTagsEveryTagGivenAndSaysSo() {
        String repo = "multitag/app";
        byte[] manifest = image(repo, "tagged", true);
        Digest digest = Digest.sha256(manifest);

        HttpResponse<byte[]> pushed = put(repo, digest + "?tag=a&tag=b&tag=1.0", MANIFEST, manifest);
        assertThat(pushed.statusCode()).isEqualTo(201);
        assertThat(pushed.headers().allValues("OCI-Tag")).containsExactly("a", "b", "1.0");
        for (String tag : List.of("a", "b", "1.0")) {
            HttpResponse<byte[]> r = reg().send("HEAD", "/v2/" + repo + "/manifests/" + tag, null);
            assertThat(r.headers().firstValue("Docker-Content-Digest")).as(tag).hasValue(digest.toString());
        }
        assertThat(json(reg().get("/v2/" + repo + "/tags/list")).path("tags").toString())
                .isEqualTo("[\"1.0\",\"a\",\"b\"]");

        HttpResponse<byte[]> plain = put(repo, digest.toString(), MANIFEST, manifest);
        assertThat(plain.headers().allValues("OCI-Tag")).isEmpty();
    }

    @Test
    void aBadTagRefusesTheWholePush() {
        String repo = "multitag/bad";
        byte[] manifest = image(repo, "bad", true);
        Digest digest = Digest.sha256(manifest);

        HttpResponse<byte[]> bad = put(repo, digest + "?tag=good&tag=-bad", MANIFEST, manifest);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(errorCode(bad)).isEqualTo("MANIFEST_INVALID");
        assertThat(reg().get("/v2/" + repo + "/manifests/good").statusCode()).isEqualTo(404);
        assertThat(reg().get("/v2/" + repo + "/manifests/" + digest).statusCode()).isEqualTo(404);

        HttpResponse<byte[]> onTag = put(repo, "v1?tag=v2", MANIFEST, manifest);
        assertThat(onTag.statusCode()).isEqualTo(400);
        assertThat(errorCode(onTag)).isEqualTo("MANIFEST_INVALID");
        assertThat(reg().get("/v2/" + repo + "/manifests/v1").statusCode()).isEqualTo(404);
    }
}
