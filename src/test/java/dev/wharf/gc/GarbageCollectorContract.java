package dev.wharf.gc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.content.BlobService;
import dev.wharf.testing.MetadataFixture;
import dev.wharf.testing.MutableClock;
import dev.wharf.content.OciError;
import dev.wharf.content.RegistryException;
import dev.wharf.content.UploadService;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.GarbageStore;
import dev.wharf.storage.meta.ManifestWrite;
import dev.wharf.storage.meta.MissingReferencesException;
import dev.wharf.testing.Race;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The collection rules, on each database (subclasses say which). Time is a {@link MutableClock}: grace periods
 * pass by advancing it, so nothing here depends on real timing.
 */
abstract class GarbageCollectorContract extends MetadataFixture {
    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String INDEX = "application/vnd.oci.image.index.v1+json";
    static final Duration UNTAGGED_GRACE = Duration.ofHours(24);
    static final Duration BLOB_GRACE = Duration.ofHours(1);

    GarbageStore garbage;
    GarbageCollector gc;

    @BeforeEach
    void startCollector() {
        garbage = new GarbageStore(database);
        gc = new GarbageCollector(meta, garbage, blobs, UNTAGGED_GRACE, BLOB_GRACE, clock, "test", null);
    }

    @AfterEach
    void closeCollector() {
        gc.close();
    }

    // --- fixtures ---------------------------------------------------------------------------------------

    /** Stores bytes and links them the way an upload does (reserve, publish, link). */
    Digest upload(String repository, String seed) throws IOException {
        byte[] bytes = ("blob " + seed).getBytes(UTF_8);
        Digest digest = Digest.sha256(bytes);
        long generation = meta.reserveBlob(digest, bytes.length, clock.instant());
        String id = "up-" + Math.abs(seed.hashCode()) + "-" + System.nanoTime();
        blobs.createUpload(id);
        blobs.append(id, 0, new ByteArrayInputStream(bytes));
        blobs.publish(id, digest);
        assertThat(meta.linkReservedBlob(repository, digest, generation, clock.instant())).isTrue();
        return digest;
    }

    Digest image(String repository, String tag, List<Digest> layers, Digest subject) {
        byte[] content = ("{\"image\":\"" + tag + layers + subject + "\"}").getBytes(UTF_8);
        Digest digest = Digest.sha256(content);
        meta.putManifest(repository, new ManifestWrite(digest, MANIFEST, null, content, layers, List.of(), subject,
                null, 100), tag, clock.instant());
        return digest;
    }

    Digest index(String repository, String tag, List<Digest> children) {
        byte[] content = ("{\"index\":\"" + tag + children + "\"}").getBytes(UTF_8);
        Digest digest = Digest.sha256(content);
        meta.putManifest(repository, new ManifestWrite(digest, INDEX, null, content, List.of(), children, null,
                null, 100), tag, clock.instant());
        return digest;
    }

    boolean stored(String repository, Digest manifest) {
        return meta.getManifest(repository, manifest).isPresent();
    }

    boolean bytesPresent(Digest blob) throws IOException {
        return blobs.size(blob).isPresent();
    }

    // --- manifests --------------------------------------------------------------------------------------

    @Test
    void untaggedManifestsGoAfterTheirGracePeriodTaggedOnesStay() throws IOException {
        Digest layer = upload("app", "layer");
        Digest tagged = image("app", "v1", List.of(layer), null);
        Digest untagged = image("app", null, List.of(layer), null);
        Digest moved = image("app", "latest", List.of(layer), null);
        image("app", "latest", List.of(layer, upload("app", "other")), null); // "latest" moves away from `moved`

        clock.advance(UNTAGGED_GRACE.minusMinutes(1));
        assertThat(gc.run(false).manifestsDeleted()).as("inside the grace period").isZero();

        clock.advance(Duration.ofMinutes(2));
        GarbageCollector.Report report = gc.run(false);
        assertThat(report.manifestsDeleted()).isEqualTo(2);
        assertThat(stored("app", untagged)).isFalse();
        assertThat(stored("app", moved)).isFalse();
        assertThat(stored("app", tagged)).isTrue();
        assertThat(bytesPresent(layer)).as("still used by the tagged image").isTrue();
    }

    @Test
    void aPullRestartsTheGracePeriodOfAnUntaggedManifest() throws IOException {
        Digest untagged = image("app", null, List.of(upload("app", "l")), null);
        clock.advance(UNTAGGED_GRACE.minusHours(1));
        meta.recordPull("app", untagged, clock.instant());
        clock.advance(Duration.ofHours(2));
        assertThat(gc.run(false).manifestsDeleted()).isZero();
        clock.advance(UNTAGGED_GRACE);
        assertThat(gc.run(false).manifestsDeleted()).isEqualTo(1);
    }

    @Test
    void childrenOfATaggedIndexStayAndGoWithAnUntaggedOne() throws IOException {
        Digest amd64 = image("multi", null, List.of(upload("multi", "amd64")), null);
        Digest arm64 = image("multi", null, List.of(upload("multi", "arm64")), null);
        Digest kept = index("multi", "v1", List.of(amd64));
        Digest dropped = index("multi", null, List.of(amd64, arm64));
        clock.advance(UNTAGGED_GRACE.plusMinutes(1));

        GarbageCollector.Report report = gc.run(false);

        assertThat(stored("multi", dropped)).isFalse();
        assertThat(stored("multi", arm64)).as("listed only by the deleted index: freed in the same pass").isFalse();
        assertThat(stored("multi", kept)).isTrue();
        assertThat(stored("multi", amd64)).as("listed by a tagged index").isTrue();
        assertThat(report.manifestsDeleted()).isEqualTo(2);
    }

    @Test
    void aSparseIndexKeepsTheChildrenThatArriveLaterAndGoesWithoutTheMissingOnes() throws IOException {
        Digest amd64 = image("mirror", null, List.of(upload("mirror", "amd64")), null);
        Digest arm64Content = Digest.sha256("{\"image\":\"arm64 not mirrored\"}".getBytes(UTF_8));
        Digest s390x = Digest.sha256("{\"image\":\"s390x\"}".getBytes(UTF_8));
        Digest tagged = index("mirror", "v1", List.of(amd64, arm64Content, s390x));
        Digest untagged = index("mirror", null, List.of(s390x));
        // The s390x child arrives after both indexes listed it: it is their child, not an untagged image.
        byte[] late = "{\"image\":\"s390x\"}".getBytes(UTF_8);
        meta.putManifest("mirror", new ManifestWrite(s390x, MANIFEST, null, late, List.of(upload("mirror", "s390x")),
                List.of(), null, null, 100), (String) null, clock.instant());
        clock.advance(UNTAGGED_GRACE.plusMinutes(1));

        GarbageCollector.Report report = gc.run(false);

        assertThat(stored("mirror", untagged)).as("untagged, with a missing child: collected").isFalse();
        assertThat(stored("mirror", tagged)).isTrue();
        assertThat(stored("mirror", amd64)).isTrue();
        assertThat(stored("mirror", s390x)).as("still listed by the tagged sparse index").isTrue();
        assertThat(report.manifestsDeleted()).isEqualTo(1);

        meta.deleteTag("mirror", "v1", clock.instant());
        clock.advance(UNTAGGED_GRACE.plusMinutes(1));
        assertThat(gc.run(false).manifestsDeleted()).as("the index, then both stored children").isEqualTo(3);
        assertThat(stored("mirror", s390x)).isFalse();
    }

    @Test
    void theBlobsOfADeletedRepositoryGoOneBlobGraceLaterUnlessAnotherUsesThem() throws IOException {
        Digest own = upload("doomed", "own layer");
        Digest shared = upload("doomed", "shared layer");
        meta.linkBlob("survivor", shared, ("blob shared layer").length(), clock.instant());
        image("survivor", "v1", List.of(shared), null);
        image("doomed", "v1", List.of(own, shared), null);
        clock.advance(BLOB_GRACE.plusMinutes(1));
        assertThat(gc.run(false).blobsDeleted()).as("both in use").isZero();

        assertThat(meta.deleteRepository("doomed", clock.instant())).isTrue();
        clock.advance(BLOB_GRACE.minusMinutes(1));
        assertThat(gc.run(false).blobsDeleted()).as("inside the blob grace period").isZero();
        clock.advance(Duration.ofMinutes(2));
        assertThat(gc.run(false).blobsDeleted()).isEqualTo(1);
        assertThat(bytesPresent(own)).isFalse();
        assertThat(bytesPresent(shared)).as("the other repository's image uses it").isTrue();
    }

    @Test
    void aPassWithAShorterBlobGraceCollectsWhatTheConfiguredGraceStillKeeps() throws IOException {
        Digest own = upload("doomed", "emergency layer");
        image("doomed", "v1", List.of(own), null);
        assertThat(meta.deleteRepository("doomed", clock.instant())).isTrue();
        clock.advance(Duration.ofMinutes(10)); // well inside the configured hour
        assertThat(gc.run(false).blobsDeleted()).as("the configured grace keeps it").isZero();
        assertThat(gc.run(true, Duration.ofMinutes(5)).blobs()).extracting(GarbageStore.BlobRow::digest)
                .containsExactly(own);
        assertThat(bytesPresent(own)).as("a dry run deletes nothing").isTrue();
        assertThat(gc.run(false, Duration.ofMinutes(15)).blobsDeleted()).as("ten minutes are inside 15").isZero();
        GarbageCollector.Report report = gc.run(false, Duration.ofMinutes(5));
        assertThat(report.blobsDeleted()).isEqualTo(1);
        assertThat(bytesPresent(own)).isFalse();
        assertThat(gc.blobGrace()).as("the configured grace is unchanged").isEqualTo(BLOB_GRACE);
    }

    @Test
    void aShorterBlobGraceNeverTakesABlobAStoredManifestUses() throws IOException {
        Digest layer = upload("app", "in use");
        image("app", "v1", List.of(layer), null);
        clock.advance(Duration.ofMinutes(1));
        assertThat(gc.run(false, Duration.ZERO).blobsDeleted()).isZero();
        assertThat(bytesPresent(layer)).isTrue();
    }

    @Test
    void referrersStayWhileTheirSubjectIsStoredAndGoWithIt() throws IOException {
        Digest layer = upload("signed", "layer");
        Digest subject = image("signed", "v1", List.of(layer), null);
        Digest signature = image("signed", null, List.of(upload("signed", "sig")), subject);
        Digest orphan = image("signed", null, List.of(layer), Digest.sha256("never pushed".getBytes(UTF_8)));
        clock.advance(UNTAGGED_GRACE.plusMinutes(1));

        assertThat(gc.run(false).manifestsDeleted()).isEqualTo(1);
        assertThat(stored("signed", signature)).as("its subject is tagged").isTrue();
        assertThat(stored("signed", orphan)).as("its subject is not in the repository").isFalse();

        meta.deleteTag("signed", "v1", clock.instant());
        clock.advance(UNTAGGED_GRACE.plusMinutes(1));
        gc.run(false);
        assertThat(stored("signed", subject)).isFalse();
        assertThat(stored("signed", signature)).as("its subject was collected in the same pass").isFalse();
    }

    // --- blobs ------------------------------------------------------------------------------------------

    @Test
    void unreferencedBlobsGoOneBlobGraceAfterTheirLastUse() throws IOException {
        Digest orphan = upload("app", "never used");
        Digest used = upload("app", "used");
        Digest image = image("app", null, List.of(used), null);

        clock.advance(BLOB_GRACE.minusMinutes(1));
        assertThat(gc.run(false).blobsDeleted()).as("inside the blob grace period").isZero();
        clock.advance(Duration.ofMinutes(2));
        GarbageCollector.Report first = gc.run(false);
        assertThat(first.blobsDeleted()).isEqualTo(1);
        assertThat(first.bytesReclaimed()).isEqualTo(("blob never used").length());
        assertThat(bytesPresent(orphan)).isFalse();
        assertThat(meta.linkedBlobSize("app", orphan)).isEmpty();
        assertThat(meta.blobSize(orphan)).isEmpty();
        assertThat(bytesPresent(used)).isTrue();

        // Deleting the manifest queues its blob; it goes one blob grace period later, not at once.
        clock.advance(UNTAGGED_GRACE);
        assertThat(gc.run(false).manifestsDeleted()).isEqualTo(1);
        assertThat(stored("app", image)).isFalse();
        assertThat(bytesPresent(used)).isTrue();
        clock.advance(BLOB_GRACE.plusMinutes(1));
        assertThat(gc.run(false).blobsDeleted()).isEqualTo(1);
        assertThat(bytesPresent(used)).isFalse();
        assertThat(garbage.queueLength()).isZero();
    }

    @Test
    void aBlobSharedWithAnotherRepositoryStaysWhileAnyManifestUsesIt() throws IOException {
        Digest shared = upload("one", "shared");
        assertThat(meta.mountBlob("two", "one", shared, clock.instant())).isTrue();
        image("two", "v1", List.of(shared), null);
        clock.advance(BLOB_GRACE.plusMinutes(1));
        gc.run(false);
        assertThat(bytesPresent(shared)).isTrue();
        assertThat(meta.linkedBlobSize("one", shared)).as("links stay while the blob is referenced").isPresent();
    }

    @Test
    void aDryRunListsWhatAPassWouldDeleteAndChangesNothing() throws IOException {
        Digest orphan = upload("app", "orphan");
        Digest untagged = image("app", null, List.of(upload("app", "kept for now")), null);
        clock.advance(UNTAGGED_GRACE.plusMinutes(1));

        GarbageCollector.Report dry = gc.run(true);
        assertThat(dry.dryRun()).isTrue();
        assertThat(dry.manifests()).extracting(GarbageStore.ManifestCandidate::digest).containsExactly(untagged);
        assertThat(dry.blobs()).extracting(GarbageStore.BlobRow::digest).containsExactly(orphan);
        assertThat(stored("app", untagged)).isTrue();
        assertThat(bytesPresent(orphan)).isTrue();
        assertThat(garbage.totals().passes()).as("dry runs are not counted").isZero();

        gc.run(false);
        assertThat(stored("app", untagged)).isFalse();
        assertThat(bytesPresent(orphan)).isFalse();
        GarbageStore.Totals totals = garbage.totals();
        assertThat(totals.passes()).isEqualTo(1);
        assertThat(totals.manifestsDeleted()).isEqualTo(1);
        assertThat(totals.blobsDeleted()).isEqualTo(1);
        assertThat(totals.last()).hasValueSatisfying(p -> assertThat(p.dryRun()).isFalse());
    }

    // --- the races, replayed step by step ---------------------------------------------------------------

    @Test
    void anUploadThatReservedBeforeTheCollectorCondemnedCannotLink() throws IOException {
        byte[] bytes = "slow upload".getBytes(UTF_8);
        Digest digest = Digest.sha256(bytes);
        long generation = meta.reserveBlob(digest, bytes.length, clock.instant());
        // The upload stalls past the blob grace; the collector condemns the (unlinked) row.
        clock.advance(BLOB_GRACE.plusMinutes(1));
        assertThat(garbage.condemn(clock.instant().minus(BLOB_GRACE), 10, clock.instant()).condemned())
                .extracting(GarbageStore.BlobRow::digest).containsExactly(digest);

        assertThat(meta.linkReservedBlob("app", digest, generation, clock.instant()))
                .as("its bytes may be deleted after it published them").isFalse();
        assertThat(meta.linkedBlobSize("app", digest)).isEmpty();

        // Reserving again takes the row back: the collector's second step no longer deletes it.
        long again = meta.reserveBlob(digest, bytes.length, clock.instant());
        assertThat(garbage.finish(10, rows -> {
            throw new AssertionError("nothing is condemned any more: " + rows);
        })).isEmpty();
        assertThat(meta.linkReservedBlob("app", digest, again, clock.instant())).isTrue();
    }

    @Test
    void condemnedBlobsCannotBeMountedOrReferenced() throws IOException {
        Digest blob = upload("app", "layer");
        clock.advance(BLOB_GRACE.plusMinutes(1));
        garbage.condemn(clock.instant().minus(BLOB_GRACE), 10, clock.instant());

        assertThat(meta.mountBlob("other", "app", blob, clock.instant())).isFalse();
        assertThat(meta.repositoriesLinking(blob, 10)).as("no repository offers it for a mount").isEmpty();
        assertThat(meta.linkedBlobSize("app", blob)).as("condemning removes every link").isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> image("app", "v1", List.of(blob), null))
                .isInstanceOf(dev.wharf.storage.meta.MissingReferencesException.class);
    }

    @Test
    void aPassFinishesBlobsACrashedCollectorLeftCondemned() throws IOException {
        Digest blob = upload("app", "layer");
        clock.advance(BLOB_GRACE.plusMinutes(1));
        garbage.condemn(clock.instant().minus(BLOB_GRACE), 10, clock.instant());
        // The collector dies here, before deleting the bytes; its transaction never ran.
        assertThat(bytesPresent(blob)).isTrue();

        GarbageCollector.Report next = gc.run(false);
        assertThat(next.blobsDeleted()).isEqualTo(1);
        assertThat(bytesPresent(blob)).isFalse();
        assertThat(meta.blobSize(blob)).isEmpty();
    }

    @Test
    void aBlobWhoseBytesCannotBeDeletedStaysCondemnedForTheNextPass() throws IOException {
        Digest blob = upload("app", "layer");
        clock.advance(BLOB_GRACE.plusMinutes(1));
        garbage.condemn(clock.instant().minus(BLOB_GRACE), 10, clock.instant());
        assertThat(garbage.finish(10, rows -> List.of())).isEmpty(); // storage refused every delete
        assertThat(garbage.collectableBlobs(clock.instant(), 10)).extracting(GarbageStore.BlobRow::digest)
                .containsExactly(blob);
        assertThat(gc.run(false).blobsDeleted()).isEqualTo(1);
        assertThat(bytesPresent(blob)).isFalse();
    }

    // --- the races, for real -----------------------------------------------------------------------------

    /**
     * Four writers push, mount, tag, untag and unlink images made of a handful of shared layers while two collectors
     * (two nodes) run back to back with grace periods of one millisecond, so layers are condemned and deleted
     * while being uploaded, mounted and referenced again. A writer may lose a race cleanly (BLOB_UPLOAD_INVALID,
     * a mount refused, MANIFEST_BLOB_UNKNOWN); a manifest that was stored must never miss a blob's bytes.
     */
    @Test
    void writersRacingTwoCollectorsNeverLeaveAManifestWithoutItsBytes() throws Exception {
        java.time.Clock real = java.time.Clock.systemUTC();
        Duration tiny = Duration.ofMillis(1);
        UploadService uploads = new UploadService(blobs, meta, real);
        BlobService blobService = new BlobService(blobs, meta, real);
        List<GarbageCollector> collectors = List.of(
                new GarbageCollector(meta, garbage, blobs, tiny, tiny, real, "node-a", null),
                new GarbageCollector(meta, garbage, blobs, tiny, tiny, real, "node-b", null));
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger stored = new AtomicInteger();
        AtomicInteger lost = new AtomicInteger();
        AtomicInteger mounted = new AtomicInteger();
        Race.run(List.of(() -> collectors.get(0).run(false), () -> collectors.get(1).run(false)), 4, writer -> {
            java.util.Random random = new java.util.Random(writer);
            for (int i = 0; i < 120; i++) {
                byte[] layer = ("shared layer " + random.nextInt(6)).getBytes(UTF_8);
                Digest digest = Digest.sha256(layer);
                String repo = "race/r" + (writer % 2);
                String tag = "w" + writer + "-" + i;
                try {
                    if (i % 3 == 0 && blobService.mount(repo, "race/r" + ((writer + 1) % 2), digest, r -> true)) {
                        mounted.incrementAndGet();
                    } else {
                        uploads.uploadWhole(repo, digest, new ByteArrayInputStream(layer));
                    }
                    byte[] content = ("{\"w\":\"" + tag + "\",\"l\":\"" + digest + "\"}").getBytes(UTF_8);
                    meta.putManifest(repo, new ManifestWrite(Digest.sha256(content), MANIFEST, null, content,
                            List.of(digest), List.of(), null, null, 100), tag, real.instant());
                    stored.incrementAndGet();
                    // Tagged now: no collector may take its layer.
                    if (blobs.size(digest).isEmpty()) violations.add(repo + ":" + tag + " lost " + digest);
                    meta.deleteTag(repo, tag, real.instant()); // and now it is garbage
                    if (i % 5 == 0) blobService.delete(repo, digest); // DELETE /v2/<repo>/blobs/<digest>
                } catch (RegistryException e) {
                    // BLOB_UNKNOWN: the unlink came after a collector had removed the link already
                    if (e.error() != OciError.BLOB_UPLOAD_INVALID && e.error() != OciError.BLOB_UNKNOWN) throw e;
                    lost.incrementAndGet();
                } catch (MissingReferencesException e) {
                    lost.incrementAndGet();
                }
            }
        });
        System.out.printf("[%s] race: %d manifests stored, %d clean losses, %d mounts, %d passes, %d blobs deleted%n",
                getClass().getSimpleName(), stored.get(), lost.get(), mounted.get(),
                collectors.get(0).counters().passes() + collectors.get(1).counters().passes(),
                collectors.get(0).counters().blobsDeleted() + collectors.get(1).counters().blobsDeleted());

        assertThat(violations).isEmpty();
        assertThat(stored.get()).isGreaterThan(100);
        assertThat(collectors.get(0).counters().blobsDeleted() + collectors.get(1).counters().blobsDeleted())
                .as("the collectors really raced the writers").isPositive();
        List<String> referenced = database.jdbi().withHandle(h -> h.createQuery(
                "SELECT digest FROM manifest_blobs UNION SELECT digest FROM repository_blobs")
                .mapTo(String.class).list());
        for (String digest : referenced) {
            assertThat(bytesPresent(Digest.parse(digest))).as("bytes of referenced or linked " + digest).isTrue();
        }
        // With every tag gone, two more passes leave nothing behind: no manifest, no row, no bytes.
        Thread.sleep(5);
        collectors.get(0).run(false);
        Thread.sleep(5);
        collectors.get(0).run(false);
        assertThat(blobs.list()).toIterable().isEmpty();
        assertThat(meta.blobStats().count()).isZero();
        assertThat(garbage.queueLength()).isZero();
    }
}
