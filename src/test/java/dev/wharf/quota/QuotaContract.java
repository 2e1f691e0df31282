package dev.wharf.quota;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.audit.AuditAction;
import dev.wharf.content.BlobService;
import dev.wharf.content.ManifestParser;
import dev.wharf.content.ManifestService;
import dev.wharf.testing.MetadataFixture;
import dev.wharf.content.OciError;
import dev.wharf.content.PullRecorder;
import dev.wharf.content.RegistryException;
import dev.wharf.content.UploadService;
import dev.wharf.gc.GarbageCollector;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.GarbageStore;
import dev.wharf.storage.meta.ManifestWrite;
import dev.wharf.storage.meta.MissingReferencesException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.testing.Race;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Quota counting and enforcement on each database (subclasses say which). */
abstract class QuotaContract extends MetadataFixture {
    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    QuotaStore store;
    NamespaceQuotas quotas;
    UploadService uploads;
    BlobService blobService;
    ManifestService manifests;

    @BeforeEach
    void openServices() {
        store = new QuotaStore(database);
        quotas = new NamespaceQuotas(store, clock);
        uploads = new UploadService(blobs, meta, clock, quotas);
        blobService = new BlobService(blobs, meta, clock, quotas);
        manifests = new ManifestService(meta, new ManifestParser(new ObjectMapper()), new PullRecorder(meta), clock,
                quotas);
    }

    Digest push(String repository, String content) {
        byte[] bytes = content.getBytes(UTF_8);
        Digest digest = Digest.sha256(bytes);
        uploads.uploadWhole(repository, digest, new ByteArrayInputStream(bytes));
        return digest;
    }

    /** An OCI image manifest with one config and the given layers (sizes as stored). */
    String manifest(Digest config, long configSize, Digest layer, long layerSize) {
        return "{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + config + "\",\"size\":" + configSize
                + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" + layer
                + "\",\"size\":" + layerSize + "}]}";
    }

    @Test
    void eachNamespacePaysForEachDistinctBlobItLinksOnce() {
        push("acme/a", "x".repeat(100));
        push("acme/b", "x".repeat(100)); // the same blob in a second repository of acme: counted once
        push("acme/b", "y".repeat(50));
        push("other/c", "x".repeat(100)); // shared with another namespace: counted there too
        assertThat(store.get("acme").usedBytes()).isEqualTo(150);
        assertThat(store.get("other").usedBytes()).isEqualTo(100);
        assertThat(store.get("acme").repositories()).isEqualTo(2);

        blobService.delete("acme/a", Digest.sha256("x".repeat(100).getBytes(UTF_8)));
        assertThat(store.get("acme").usedBytes()).as("still linked by acme/b").isEqualTo(150);
        blobService.delete("acme/b", Digest.sha256("x".repeat(100).getBytes(UTF_8)));
        assertThat(store.get("acme").usedBytes()).isEqualTo(50);
        assertThat(store.maintained()).isEqualTo(store.recount());
    }

    @Test
    void anUploadOverTheLimitIsRefusedWithDeniedAndNothingIsLinked() {
        store.set("acme", 120L, null, 80, "admin", clock.instant());
        push("acme/a", "x".repeat(100));
        String big = "z".repeat(30);
        assertThatThrownBy(() -> push("acme/a", big))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.error()).isEqualTo(OciError.DENIED);
                    assertThat(e.getMessage()).contains("acme", "100 B", "120 B", "ask a server administrator");
                });
        assertThat(store.get("acme").usedBytes()).isEqualTo(100);
        assertThat(meta.linkedBlobSize("acme/a", Digest.sha256(big.getBytes(UTF_8)))).isEmpty();
        // a blob the namespace holds already costs nothing
        push("acme/b", "x".repeat(100));
        // the declared-size check refuses before any byte is read
        assertThatThrownBy(() -> uploads.admitDeclared("acme/a", Digest.sha256(big.getBytes(UTF_8)), 30))
                .isInstanceOfSatisfying(RegistryException.class,
                        e -> assertThat(e.error()).isEqualTo(OciError.DENIED));
        push("other/a", big); // other namespaces are not limited
    }

    @Test
    void aMountThatWouldExceedTheQuotaIsRefused() {
        Digest blob = push("other/src", "m".repeat(200));
        store.set("acme", 100L, null, 80, "admin", clock.instant());
        assertThatThrownBy(() -> blobService.mount("acme/a", "other/src", blob, r -> true))
                .isInstanceOfSatisfying(RegistryException.class,
                        e -> assertThat(e.error()).isEqualTo(OciError.DENIED));
        assertThat(store.get("acme").usedBytes()).isZero();
        store.set("acme", 1000L, null, 80, "admin", clock.instant());
        assertThat(blobService.mount("acme/a", "other/src", blob, r -> true)).isTrue();
        assertThat(store.get("acme").usedBytes()).isEqualTo(200);
    }

    @Test
    void aManifestIsRefusedWhileTheNamespaceIsOverItsLimit() {
        Digest config = push("acme/a", "{}");
        Digest layer = push("acme/a", "l".repeat(100));
        store.set("acme", 50L, null, 80, "admin", clock.instant()); // lowered below usage
        byte[] body = manifest(config, 2, layer, 100).getBytes(UTF_8);
        assertThatThrownBy(() -> manifests.put("acme/a", "v1", MANIFEST, body))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.error()).isEqualTo(OciError.DENIED);
                    assertThat(e.getMessage()).contains("over its limit");
                });
        store.set("acme", 200L, null, 80, "admin", clock.instant());
        assertThat(manifests.put("acme/a", "v1", MANIFEST, body).digest()).isNotNull();
    }

    @Test
    void theRepositoryCountLimitRefusesANewRepositoryOnly() {
        store.set("acme", null, 1L, 80, "admin", clock.instant());
        push("acme/a", "one");
        push("acme/a", "two"); // the existing repository takes more
        assertThatThrownBy(() -> push("acme/b", "three"))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.error()).isEqualTo(OciError.DENIED);
                    assertThat(e.getMessage()).contains("1 repositories");
                });
        assertThat(meta.findRepository("acme/b")).isEmpty();
    }

    @Test
    void crossingTheWarningThresholdIsAuditedOncePerCrossing() {
        store.set("acme", 100L, null, 80, "admin", clock.instant());
        push("acme/a", "w".repeat(85));
        quotas.sweep();
        quotas.sweep(); // a second node's sweep, or a second push: no second warning
        push("acme/a", "v".repeat(5));
        assertThat(warnings()).isEqualTo(1);
        assertThat(store.get("acme").warnedAt()).isNotNull();

        blobService.delete("acme/a", Digest.sha256("w".repeat(85).getBytes(UTF_8)));
        quotas.sweep(); // back under: re-armed
        assertThat(store.get("acme").warnedAt()).isNull();
        push("acme/a", "u".repeat(90));
        assertThat(warnings()).as("the next push checks usage before it; the sweep warns after").isEqualTo(1);
        quotas.sweep();
        assertThat(warnings()).isEqualTo(2);
    }

    long warnings() {
        return database.jdbi().withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM audit_events WHERE account = 'acme' AND action = :a")
                .bind("a", AuditAction.NAMESPACE_QUOTA_WARNING.wireName()).mapTo(Long.class).one());
    }

    /**
     * Writers push, mount, tag, untag and unlink layers shared by two namespaces while two collectors with grace
     * periods of a millisecond condemn and delete them underneath: the maintained usage must equal a recount from
     * scratch at the end (and must never have gone negative).
     */
    @Test
    void usageEqualsARecountAfterConcurrentPushesDeletesAndCollection() throws Exception {
        java.time.Clock real = java.time.Clock.systemUTC();
        Duration tiny = Duration.ofMillis(1);
        UploadService racingUploads = new UploadService(blobs, meta, real, quotas);
        BlobService racingBlobs = new BlobService(blobs, meta, real, quotas);
        GarbageStore garbage = new GarbageStore(database);
        List<GarbageCollector> collectors = List.of(
                new GarbageCollector(meta, garbage, blobs, tiny, tiny, real, "node-a", null),
                new GarbageCollector(meta, garbage, blobs, tiny, tiny, real, "node-b", null));
        store.set("ns0", 1L << 40, 100L, 80, "admin", clock.instant()); // a quota on the hot path, never reached
        AtomicInteger stored = new AtomicInteger();
        Runnable sweep = () -> { // the quota sweep of two nodes, folding usage changes meanwhile
            store.compact();
            quotas.sweep();
        };
        Race.run(List.of(() -> collectors.get(0).run(false), () -> collectors.get(1).run(false), sweep), 4, writer -> {
            java.util.Random random = new java.util.Random(writer);
            for (int i = 0; i < 100; i++) {
                byte[] layer = ("shared layer " + random.nextInt(6)).repeat(1 + random.nextInt(5))
                        .getBytes(UTF_8);
                Digest digest = Digest.sha256(layer);
                String repo = "ns" + (writer % 2) + "/r" + (i % 3);
                String tag = "w" + writer + "-" + i;
                try {
                    String from = "ns" + ((writer + 1) % 2) + "/r" + (i % 3);
                    if (i % 3 != 0 || !racingBlobs.mount(repo, from, digest, r -> true)) {
                        racingUploads.uploadWhole(repo, digest, new ByteArrayInputStream(layer));
                    }
                    byte[] content = ("{\"w\":\"" + tag + "\",\"l\":\"" + digest + "\"}").getBytes(UTF_8);
                    meta.putManifest(repo, new ManifestWrite(Digest.sha256(content), MANIFEST, null, content,
                            List.of(digest), List.of(), null, null, 100), tag, real.instant());
                    stored.incrementAndGet();
                    if (i % 2 == 0) meta.deleteTag(repo, tag, real.instant());
                    if (i % 5 == 0) racingBlobs.delete(repo, digest);
                } catch (RegistryException e) {
                    if (e.error() != OciError.BLOB_UPLOAD_INVALID && e.error() != OciError.BLOB_UNKNOWN) {
                        throw e;
                    }
                } catch (MissingReferencesException e) {
                    // lost a race with a collector: the client would push again
                }
                if (i % 10 == 0) {
                    assertThat(store.maintained().values()).allMatch(v -> v >= 0);
                }
            }
        });
        long deleted = collectors.get(0).counters().blobsDeleted() + collectors.get(1).counters().blobsDeleted();
        System.out.printf("[%s] quota race: %d manifests, %d blobs collected, usage %s%n", getClass().getSimpleName(),
                stored.get(), deleted, store.maintained());
        assertThat(stored.get()).isGreaterThan(100);
        assertThat(deleted).as("the collectors really raced the writers").isPositive();
        Map<String, Long> recount = store.recount();
        assertThat(store.maintained()).isEqualTo(recount);
        store.compact();
        assertThat(store.maintained()).as("after folding the changes").isEqualTo(recount);
        Map<String, Long> perBlob = new java.util.TreeMap<>();
        database.jdbi().useHandle(h -> h.createQuery(
                        "SELECT namespace, SUM(size) AS s FROM namespace_blobs GROUP BY namespace")
                .map((rs, ctx) -> Map.entry(rs.getString(1), rs.getLong(2)))
                .forEach(e -> perBlob.put(e.getKey(), e.getValue())));
        assertThat(perBlob).isEqualTo(recount);
        long empty = database.jdbi().withHandle(h -> h.createQuery(
                "SELECT COUNT(*) FROM namespace_blobs WHERE links <= 0").mapTo(Long.class).one());
        assertThat(empty).isZero();
        // links per namespace and digest match too
        long mismatched = database.jdbi().withHandle(h -> h.createQuery("""
                        SELECT COUNT(*) FROM namespace_blobs nb WHERE nb.links <> (SELECT COUNT(*)
                            FROM repository_blobs rb JOIN repositories r ON r.id = rb.repository_id
                            WHERE rb.digest = nb.digest AND (r.name = nb.namespace
                                OR substr(r.name, 1, length(nb.namespace) + 1) = nb.namespace || '/'))""")
                .mapTo(Long.class).one());
        assertThat(mismatched).isZero();
    }
}
