package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.RegistryServer;
import dev.wharf.it.support.Registries;
import dev.wharf.it.support.Skopeo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** skopeo (containers/image) as the client: push, inspect, list, pull back, delete. */
class SkopeoIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    static RegistryServer registry;

    @BeforeAll
    static void start() throws IOException {
        registry = Registries.underTest(java.nio.file.Files.createDirectory(work.resolve("data")));
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void singleArchImageRoundTripsByteForByte() throws IOException {
        Path source = work.resolve("single-src");
        OciLayouts.Image image = OciLayouts.image(source, "1.0", 1, 200_000, 1_500_000, 10);

        Skopeo.copy(oci(source, "1.0"), docker(registry, "team/app:1.0"));
        Skopeo.copy(oci(source, "1.0"), docker(registry, "team/app:latest"));

        byte[] served = Skopeo.inspectRaw(docker(registry, "team/app:1.0"));
        assertThat(served).isEqualTo(image.manifest());
        assertThat(OciLayouts.sha256(served)).isEqualTo(image.digest());
        assertThat(tags("team/app")).containsExactlyInAnyOrder("1.0", "latest");

        Path back = work.resolve("single-back");
        Skopeo.copy(docker(registry, "team/app:1.0"), oci(back, "pulled"));
        assertThat(OciLayouts.digestOf(back, "pulled")).isEqualTo(image.digest());
        assertSameBlobs(source, back);
    }

    @Test
    void multiArchIndexRoundTripsWithAll() throws IOException {
        Path source = work.resolve("multi-src");
        OciLayouts.Index index = OciLayouts.multiArch(source, "1", 2, 300_000, 40_000);

        Skopeo.copy(oci(source, "1"), docker(registry, "team/multi:1"), "--all");

        assertThat(Skopeo.inspectRaw(docker(registry, "team/multi:1"))).isEqualTo(index.index());
        for (OciLayouts.Image child : index.images()) {
            assertThat(Skopeo.inspectRaw(docker(registry, "team/multi@" + child.digest())))
                    .isEqualTo(child.manifest());
        }

        Path back = work.resolve("multi-back");
        Skopeo.copy(docker(registry, "team/multi:1"), oci(back, "pulled"), "--all");
        assertThat(OciLayouts.digestOf(back, "pulled")).isEqualTo(index.digest());
        assertSameBlobs(source, back);
    }

    @Test
    void anIndexPushedWithoutItsChildrenIsASparseIndex() throws IOException {
        // Distribution refuses an index whose children it does not hold; Wharf accepts it (spec v1.1.1).
        org.junit.jupiter.api.Assumptions.assumeFalse(Registries.distributionIsTarget());
        Path source = work.resolve("sparse-src");
        OciLayouts.Index index = OciLayouts.multiArch(source, "1", 2, 100_000, 30_000);

        Skopeo.copy(oci(source, "1"), docker(registry, "team/sparse:1"), "--multi-arch=index-only");

        assertThat(Skopeo.inspectRaw(docker(registry, "team/sparse:1"))).isEqualTo(index.index());
        String child = docker(registry, "team/sparse@" + index.images().getFirst().digest());
        Skopeo.Result missing = Skopeo.tryRun(Duration.ofMinutes(1), "inspect", "--raw", "--tls-verify=false", child);
        assertThat(missing.ok()).isFalse();
        assertThat(missing.stderr()).containsIgnoringCase("manifest unknown");

        // The children arrive later (a mirror fetching the platforms): the same index, now complete.
        Skopeo.copy(oci(source, "1"), docker(registry, "team/sparse:1"), "--all");
        assertThat(Skopeo.inspectRaw(child)).isEqualTo(index.images().getFirst().manifest());
    }

    @Test
    void deleteRemovesTheManifestAndItsTag() {
        Path source = work.resolve("delete-src");
        OciLayouts.Image image = OciLayouts.image(source, "1", 3, 50_000);
        Skopeo.copy(oci(source, "1"), docker(registry, "team/doomed:1"));
        assertThat(RegistryHttp.manifestStatus(registry, "team/doomed", "1")).isEqualTo(200);

        // skopeo resolves the tag and deletes the manifest by digest, which must take the tag with it.
        Skopeo.run("delete", "--tls-verify=false", docker(registry, "team/doomed:1"));

        Skopeo.Result inspect = Skopeo.tryRun(Duration.ofMinutes(1),
                "inspect", "--raw", "--tls-verify=false", docker(registry, "team/doomed:1"));
        assertThat(inspect.ok()).isFalse();
        assertThat(inspect.stderr()).containsIgnoringCase("manifest unknown");
        assertThat(RegistryHttp.manifestStatus(registry, "team/doomed", "1")).isEqualTo(404);
        assertThat(RegistryHttp.manifestStatus(registry, "team/doomed", image.digest())).isEqualTo(404);
    }

    @Test
    void multiLevelRepositoryNames() throws IOException {
        Path source = work.resolve("deep-src");
        OciLayouts.Image image = OciLayouts.image(source, "v1", 4, 70_000);

        Skopeo.copy(oci(source, "v1"), docker(registry, "org/team/app:v1"));
        Skopeo.copy(oci(source, "v1"), docker(registry, "a/b/c/d/e:v1"));

        assertThat(OciLayouts.sha256(Skopeo.inspectRaw(docker(registry, "org/team/app:v1"))))
                .isEqualTo(image.digest());
        assertThat(tags("org/team/app")).containsExactly("v1");
        assertThat(tags("a/b/c/d/e")).containsExactly("v1");
        Path back = work.resolve("deep-back");
        Skopeo.copy(docker(registry, "a/b/c/d/e:v1"), oci(back, "v1"));
        assertSameBlobs(source, back);
    }

    private static List<String> tags(String repo) throws IOException {
        JsonNode listing = JSON.readTree(
                Skopeo.run("list-tags", "--tls-verify=false", docker(registry, repo)).stdout());
        List<String> tags = new ArrayList<>();
        listing.path("Tags").forEach(tag -> tags.add(tag.asText()));
        return tags;
    }

    /** Same set of blobs, and each one identical to the bytes that were pushed. */
    static void assertSameBlobs(Path expected, Path actual) {
        assertThat(OciLayouts.blobs(actual)).isEqualTo(OciLayouts.blobs(expected));
        for (String digest : OciLayouts.blobs(expected)) {
            assertThat(OciLayouts.blob(actual, digest)).hasSameBinaryContentAs(OciLayouts.blob(expected, digest));
        }
    }
}
