package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.RegistryServer;
import dev.wharf.it.support.Registries;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.StallingProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL while pushes are running: after a restart on the same data dir every acknowledged push
 * is intact, and nothing half-written is visible.
 */
class CrashSafetyIT {
    private static final long MIB = 1024 * 1024;
    private static final int SMALL_IMAGES = 16;
    private static final Duration PUSH_TIMEOUT = Duration.ofMinutes(2);

    @TempDir
    Path work;

    /** One small image: pushed directly to the registry, several to the same repository. */
    private record Push(Path layout, OciLayouts.Image image, String repo, String tag) {
        String ref() {
            return repo + ":" + tag;
        }
    }

    @Test
    void acknowledgedPushesSurviveKill9AndInterruptedOnesStayInvisible() throws Exception {
        OciLayouts.Image big = OciLayouts.image(work.resolve("big"), "1", 100, 64 * MIB);
        List<Push> pushes = new ArrayList<>();
        for (int i = 0; i < SMALL_IMAGES; i++) {
            Path layout = work.resolve("small-" + i);
            pushes.add(new Push(layout, OciLayouts.image(layout, "1", 200 + i, 300_000, 700_000, 2_000),
                    "crash/repo" + i % 3, "v" + i));
        }

        try (RegistryServer registry = Registries.underTest(Files.createDirectory(work.resolve("data")))) {
            Set<Push> acknowledged = pushAndKill(registry, big, pushes);
            registry.restart();

            for (Push push : pushes) {
                if (acknowledged.contains(push)) {
                    assertIntact(registry, push);
                } else if (RegistryHttp.manifestStatus(registry, push.repo(), push.tag()) != 404) {
                    // Interrupted, yet visible: then it must be whole, never half-written.
                    assertIntact(registry, push);
                }
            }
            // The big push never got past its layer upload, so neither its manifest nor the
            // partial layer may exist under their digests.
            assertThat(RegistryHttp.manifestStatus(registry, "crash/big", "1")).isEqualTo(404);
            assertThat(RegistryHttp.manifestStatus(registry, "crash/big", big.digest())).isEqualTo(404);
            assertThat(RegistryHttp.blobStatus(registry, "crash/big", big.blobs().get(1))).isEqualTo(404);

            // And the leftovers of the interrupted upload do not get in the way of a fresh push.
            Skopeo.copy(oci(work.resolve("big"), "1"), docker(registry, "crash/big:1"));
            Path back = work.resolve("big-back");
            Skopeo.copy(docker(registry, "crash/big:1"), oci(back, "1"));
            SkopeoIT.assertSameBlobs(work.resolve("big"), back);
        }
    }

    /**
     * Holds the 64 MiB push at 16 MiB via a stalling proxy, runs the small pushes three at a time
     * beside it, and SIGKILLs the server once half of them have been acknowledged (so others are
     * in flight). Returns the pushes skopeo reported as done before the kill.
     */
    private Set<Push> pushAndKill(RegistryServer registry, OciLayouts.Image big, List<Push> pushes) throws Exception {
        Set<Push> done = ConcurrentHashMap.newKeySet();
        ExecutorService workers = Executors.newFixedThreadPool(3);
        try (StallingProxy proxy = new StallingProxy(port(registry), 16 * MIB)) {
            // The token realm is derived from the Host skopeo used, so its logins go through the proxy too.
            registry.credentials().ifPresent(c -> Skopeo.rememberCredentials(proxy.host(), c));
            CompletableFuture<Skopeo.Result> bigPush = CompletableFuture.supplyAsync(() -> Skopeo.tryCopy(
                    PUSH_TIMEOUT, oci(work.resolve("big"), "1"), "docker://" + proxy.host() + "/crash/big:1"));
            assertThat(proxy.awaitStalled(2, TimeUnit.MINUTES)).as("big upload reached the proxy cap").isTrue();
            for (Push push : pushes) {
                workers.submit(() -> {
                    if (Skopeo.tryCopy(PUSH_TIMEOUT, oci(push.layout(), "1"), docker(registry, push.ref())).ok()) {
                        done.add(push);
                    }
                });
            }
            long deadline = System.nanoTime() + PUSH_TIMEOUT.toNanos();
            while (done.size() < SMALL_IMAGES / 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            Set<Push> acknowledged = Set.copyOf(done);
            registry.kill9();
            System.out.printf("kill -9 with %d of %d small pushes acknowledged, big push held at %d MiB%n",
                    acknowledged.size(), SMALL_IMAGES, 16);
            assertThat(acknowledged).as("pushes acknowledged before the kill").hasSizeGreaterThanOrEqualTo(SMALL_IMAGES / 2);
            assertThat(bigPush.get(PUSH_TIMEOUT.toSeconds(), TimeUnit.SECONDS).ok()).as("big push failed").isFalse();
            return acknowledged;
        } finally {
            // Pushes still queued fail fast against the dead port; interrupting kills any stuck skopeo.
            workers.shutdown();
            if (!workers.awaitTermination(PUSH_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        }
    }

    private void assertIntact(RegistryServer registry, Push push) {
        assertThat(OciLayouts.sha256(Skopeo.inspectRaw(docker(registry, push.ref()))))
                .as(push.ref()).isEqualTo(push.image().digest());
        Path back = work.resolve("back-" + push.tag());
        Skopeo.copy(docker(registry, push.ref()), oci(back, "1"));
        SkopeoIT.assertSameBlobs(push.layout(), back);
    }

    private static int port(RegistryServer registry) {
        return Integer.parseInt(registry.host().substring(registry.host().lastIndexOf(':') + 1));
    }
}
