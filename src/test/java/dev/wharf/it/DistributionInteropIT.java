package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.wharf.it.support.DistributionProcess;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryServer;
import dev.wharf.it.support.Registries;
import dev.wharf.it.support.Skopeo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registry-to-registry copies with CNCF Distribution on the other side: Wharf must serve exactly
 * what Distribution accepts and accept exactly what Distribution serves.
 */
class DistributionInteropIT {
    @TempDir
    static Path work;
    static RegistryServer wharf;
    static RegistryServer distribution;

    @BeforeAll
    static void start() throws IOException {
        wharf = Registries.underTest(Files.createDirectory(work.resolve("wharf")));
        distribution = DistributionProcess.start(Files.createDirectory(work.resolve("distribution")));
    }

    @AfterAll
    static void stop() {
        if (wharf != null) {
            wharf.close();
        }
        if (distribution != null) {
            distribution.close();
        }
    }

    @Test
    void singleArchBothWays() {
        Path layout = work.resolve("single");
        OciLayouts.Image image = OciLayouts.image(layout, "1", 11, 400_000, 3_000);
        Skopeo.copy(oci(layout, "1"), docker(distribution, "src/app:1"));

        Skopeo.copy(docker(distribution, "src/app:1"), docker(wharf, "mirror/app:1"));
        assertThat(digest(docker(wharf, "mirror/app:1"))).isEqualTo(image.digest());

        Skopeo.copy(docker(wharf, "mirror/app:1"), docker(distribution, "back/app:1"));
        assertThat(digest(docker(distribution, "back/app:1"))).isEqualTo(image.digest());
    }

    @Test
    void multiArchIndexBothWays() {
        Path layout = work.resolve("multi");
        OciLayouts.Index index = OciLayouts.multiArch(layout, "2", 12, 250_000);
        Skopeo.copy(oci(layout, "2"), docker(distribution, "src/multi:2"), "--all");

        Skopeo.copy(docker(distribution, "src/multi:2"), docker(wharf, "mirror/multi:2"), "--all");
        assertThat(digest(docker(wharf, "mirror/multi:2"))).isEqualTo(index.digest());
        for (OciLayouts.Image child : index.images()) {
            assertThat(digest(docker(wharf, "mirror/multi@" + child.digest()))).isEqualTo(child.digest());
        }

        Skopeo.copy(docker(wharf, "mirror/multi:2"), docker(distribution, "back/multi:2"), "--all");
        assertThat(digest(docker(distribution, "back/multi:2"))).isEqualTo(index.digest());
        for (OciLayouts.Image child : index.images()) {
            assertThat(digest(docker(distribution, "back/multi@" + child.digest()))).isEqualTo(child.digest());
        }
    }

    @Test
    void wharfToAuthenticatedDistribution() throws IOException {
        assumeTrue(DistributionProcess.htpasswdAvailable(), "htpasswd (apache2-utils) not installed");
        Path layout = work.resolve("auth");
        OciLayouts.Image image = OciLayouts.image(layout, "3", 13, 20_000);
        Skopeo.copy(oci(layout, "3"), docker(wharf, "mirror/auth:3"));
        try (RegistryServer secured = DistributionProcess.startWithUser(
                Files.createDirectory(work.resolve("secured")), "ci", "s3cret")) {
            Skopeo.copy(docker(wharf, "mirror/auth:3"), docker(secured, "private/app:3"), "--dest-creds", "ci:s3cret");
            byte[] served = Skopeo.run("inspect", "--raw", "--tls-verify=false", "--creds", "ci:s3cret",
                    docker(secured, "private/app:3")).stdout();
            assertThat(OciLayouts.sha256(served)).isEqualTo(image.digest());
        }
    }

    private static String digest(String image) {
        return OciLayouts.sha256(Skopeo.inspectRaw(image));
    }
}
