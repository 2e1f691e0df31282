package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryServer;
import dev.wharf.it.support.Registries;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.Tar;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jib (google-http-client, its own upload protocol choices) as the pushing client. */
class JibIT {
    static {
        // Jib refuses to send credentials over plain HTTP unless told to; every registry here is on loopback.
        System.setProperty("sendCredentialsOverHttp", "true");
    }

    @TempDir
    Path work;
    RegistryServer registry;

    @BeforeEach
    void start() throws IOException {
        registry = Registries.underTest(Files.createDirectory(work.resolve("data")));
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    @Test
    void buildsOnScratchThenOnItsOwnPushedBase() throws Exception {
        // Base: Jib's default Docker v2.2 format on scratch.
        JibContainer base = Jib.fromScratch()
                .addFileEntriesLayer(layer("hello.txt", "hello from the base layer\n"))
                .containerize(containerizer(registry.host() + "/jib/base:1"));

        // App: on top of the pushed base, in OCI format; the base layer reaches jib/app by
        // cross-repository mount (or an existence check), not by re-upload from the client.
        JibContainerBuilder app = Jib.from(image(registry.host() + "/jib/base:1"))
                .addFileEntriesLayer(layer("app.txt", "the app layer\n"))
                .setFormat(ImageFormat.OCI);
        JibContainer pushedApp = app.containerize(containerizer(registry.host() + "/jib/app:1"));

        Path basePulled = pull("jib/base:1");
        Path appPulled = pull("jib/app:1");

        assertThat(manifestDigest(basePulled)).isEqualTo(base.getDigest().toString());
        assertThat(manifestDigest(appPulled)).isEqualTo(pushedApp.getDigest().toString());
        JsonNode baseManifest = OciLayouts.read(basePulled.resolve("manifest.json"));
        JsonNode appManifest = OciLayouts.read(appPulled.resolve("manifest.json"));
        assertThat(baseManifest.path("mediaType").asText())
                .isEqualTo("application/vnd.docker.distribution.manifest.v2+json");
        assertThat(appManifest.path("mediaType").asText()).isEqualTo(OciLayouts.MANIFEST);

        List<String> baseLayers = layerDigests(baseManifest);
        List<String> appLayers = layerDigests(appManifest);
        assertThat(baseLayers).hasSize(1);
        assertThat(appLayers).hasSize(2).startsWith(baseLayers.get(0));
        assertThat(files(basePulled, baseLayers.get(0))).containsOnlyKeys("hello.txt");
        assertThat(new String(files(appPulled, appLayers.get(0)).get("hello.txt"), StandardCharsets.UTF_8))
                .isEqualTo("hello from the base layer\n");
        assertThat(new String(files(appPulled, appLayers.get(1)).get("app.txt"), StandardCharsets.UTF_8))
                .isEqualTo("the app layer\n");
    }

    private FileEntriesLayer layer(String name, String content) throws IOException {
        Path file = Files.writeString(Files.createTempFile(work, "layer", ".txt"), content);
        return FileEntriesLayer.builder().addEntry(file, AbsoluteUnixPath.get("/" + name)).build();
    }

    /** Caches under the test dir: Jib's default ~/.cache would let one run's layers leak into the next. */
    private Containerizer containerizer(String target) throws Exception {
        return Containerizer.to(image(target))
                .setAllowInsecureRegistries(true)
                .setBaseImageLayersCache(work.resolve("jib-cache-base"))
                .setApplicationLayersCache(work.resolve("jib-cache-app"))
                .setToolName("wharf-it")
                .addEventHandler(LogEvent.class, JibIT::log);
    }

    /** The registry's administrator credentials, when it has any, for pulls of the base and the push alike. */
    private RegistryImage image(String reference) throws Exception {
        RegistryImage image = RegistryImage.named(reference);
        registry.credentials().ifPresent(c -> image.addCredential(c.username(), c.password()));
        return image;
    }

    /** Jib's INFO/DEBUG chatter would drown the build log; warnings and errors explain failures. */
    private static void log(LogEvent event) {
        if (event.getLevel() == LogEvent.Level.WARN || event.getLevel() == LogEvent.Level.ERROR) {
            System.out.println("jib " + event.getLevel() + ": " + event.getMessage());
        }
    }

    /** skopeo's dir: transport keeps the manifest exactly as served (oci: would convert Docker v2.2). */
    private Path pull(String repositoryAndTag) {
        Path dir = work.resolve("pulled-" + repositoryAndTag.replaceAll("[^a-z0-9]", "-"));
        Skopeo.run("copy", "--quiet", "--src-tls-verify=false", "--preserve-digests",
                docker(registry, repositoryAndTag), "dir:" + dir);
        return dir;
    }

    private static String manifestDigest(Path dir) throws IOException {
        return OciLayouts.sha256(Files.readAllBytes(dir.resolve("manifest.json")));
    }

    private static List<String> layerDigests(JsonNode manifest) {
        List<String> digests = new ArrayList<>();
        manifest.path("layers").forEach(layer -> digests.add(layer.path("digest").asText()));
        return digests;
    }

    /** Jib layers are gzipped tars; dir: names blob files by bare hex digest. */
    private static Map<String, byte[]> files(Path dir, String digest) throws IOException {
        Path blob = dir.resolve(digest.substring("sha256:".length()));
        assertThat(OciLayouts.sha256(Files.readAllBytes(blob))).isEqualTo(digest);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(blob))) {
            return Tar.readFiles(in);
        }
    }
}
