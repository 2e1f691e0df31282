package dev.wharf.storage.meta;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.model.Digest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Behaviour every {@link MetadataStore} must have. Subclasses only say how to get an empty store. */
abstract class MetadataStoreContract {

    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    static final String IMAGE_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String IMAGE_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String IMAGE_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String SBOM = "application/spdx+json";
    static final String SIGNATURE = "application/vnd.dev.cosign.artifact.sig.v1+json";

    MetadataStore store;

    /** A new, empty store; the contract closes it after each test. */
    protected abstract MetadataStore createStore();

    @BeforeEach
    void openStore() {
        store = createStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    // --- fixtures ---------------------------------------------------------------------------------------

    static Instant at(int seconds) {
        return T0.plusSeconds(seconds);
    }

    static Digest digestOf(String seed) {
        return Digest.sha256(seed.getBytes(UTF_8));
    }

    Digest linkedBlob(String repository, String seed) {
        Digest digest = digestOf("blob:" + seed);
        store.linkBlob(repository, digest, 1000, T0);
        return digest;
    }

    static ManifestWrite image(String seed, List<Digest> blobs) {
        return manifest(IMAGE_MANIFEST, IMAGE_CONFIG, "image:" + seed, blobs, List.of(), null);
    }

    static ManifestWrite index(String seed, List<Digest> children) {
        return manifest(IMAGE_INDEX, null, "index:" + seed, List.of(), children, null);
    }

    static ManifestWrite referrer(String seed, Digest subject, String artifactType) {
        return manifest(IMAGE_MANIFEST, artifactType, "referrer:" + seed, List.of(), List.of(), subject);
    }

    static ManifestWrite manifest(String mediaType, String artifactType, String body, List<Digest> blobs,
            List<Digest> children, Digest subject) {
        byte[] content = ("{\"body\":\"" + body + "\"}").getBytes(UTF_8);
        return new ManifestWrite(Digest.sha256(content), mediaType, artifactType, content, blobs, children, subject,
                "{\"org.example\":\"" + body + "\"}", content.length + 1000L);
    }

    /** An image in {@code repository} whose config blob is linked first, as a real push does. */
    ManifestWrite pushImage(String repository, String seed, String tag, Instant now) {
        ManifestWrite image = image(seed, List.of(linkedBlob(repository, seed)));
        store.putManifest(repository, image, tag, now);
        return image;
    }

    // --- repositories -----------------------------------------------------------------------------------

    @Test
    void ensureRepositoryCreatesOnceAndFindsIt() {
        RepositoryRecord created = store.ensureRepository("library/alpine", at(1));
        RepositoryRecord again = store.ensureRepository("library/alpine", at(2));

        assertThat(again).isEqualTo(created);
        assertThat(created.createdAt()).isEqualTo(at(1));
        assertThat(store.findRepository("library/alpine")).contains(created);
        assertThat(store.findRepository("library/missing")).isEmpty();
    }

    @Test
    void catalogPaginatesInByteOrderWithExclusiveAfter() {
        for (String name : List.of("b", "a/z", "a-b", "a", "a/b", "c.d", "a_b")) store.ensureRepository(name, T0);

        // Byte order: '-' (0x2d) < '.' < '/' (0x2f) < '_' (0x5f)
        assertThat(store.listRepositories(null, 100)).containsExactly("a", "a-b", "a/b", "a/z", "a_b", "b", "c.d");
        assertThat(store.listRepositories(null, 3)).containsExactly("a", "a-b", "a/b");
        assertThat(store.listRepositories("a/b", 3)).containsExactly("a/z", "a_b", "b");
        assertThat(store.listRepositories("a/c", 2)).containsExactly("a/z", "a_b");
        assertThat(store.listRepositories("c.d", 10)).isEmpty();
        assertThat(store.listRepositories(null, 0)).isEmpty();
    }

    // --- policies ---------------------------------------------------------------------------------------

    @Test
    void immutableTagsCanBeCreatedButNotMoved() {
        store.setImmutableTags("repo", new ImmutableTags(true, List.of("v[0-9]+", "release-.*")), T0);
        assertThat(store.immutableTags("repo").protects("v1")).isTrue();
        assertThat(store.immutableTags("repo").protects("latest")).isFalse();
        assertThat(store.immutableTags("elsewhere")).isEqualTo(ImmutableTags.OFF);
        ManifestWrite first = pushImage("repo", "one", "v1", at(1));
        ManifestWrite second = image("two", List.of(linkedBlob("repo", "two")));
        assertThatThrownBy(() -> store.putManifest("repo", second, "v1", at(2)))
                .isInstanceOf(ImmutableTagException.class);
        assertThat(store.getManifestByTag("repo", "v1").orElseThrow().digest()).isEqualTo(first.digest());
        assertThat(store.getManifest("repo", second.digest())).as("nothing of the refused push is kept").isEmpty();
        store.putManifest("repo", second, "latest", at(3));
        store.putManifest("repo", image("three", List.of(linkedBlob("repo", "three"))), "latest", at(4));
        assertThat(store.tagHistory("repo", "v1")).hasSize(1);
        store.setImmutableTags("repo", ImmutableTags.OFF, at(5));
        store.putManifest("repo", second, "v1", at(6));
        assertThat(store.getManifestByTag("repo", "v1").orElseThrow().digest()).isEqualTo(second.digest());
    }

    // --- blobs ------------------------------------------------------------------------------------------

    @Test
    void blobLinksArePerRepository() {
        Digest blob = digestOf("layer");
        store.linkBlob("one", blob, 1234, T0);

        assertThat(store.findRepository("one")).isPresent();
        assertThat(store.linkedBlobSize("one", blob)).hasValue(1234);
        assertThat(store.linkedBlobSize("two", blob)).isEmpty();
        assertThat(store.blobSize(blob)).hasValue(1234);
        assertThat(store.blobSize(digestOf("unknown"))).isEmpty();
        assertThat(store.blobStats()).isEqualTo(new BlobStats(1, 1234));

        store.linkBlob("two", blob, 1234, at(1));
        assertThat(store.unlinkBlob("one", blob, at(2))).isTrue();
        assertThat(store.unlinkBlob("one", blob, at(2))).isFalse();
        assertThat(store.unlinkBlob("nowhere", blob, at(2))).isFalse();
        assertThat(store.linkedBlobSize("one", blob)).isEmpty();
        assertThat(store.blobSize(blob)).hasValue(1234);

        assertThat(store.unlinkBlob("two", blob, at(2))).isTrue();
        assertThat(store.blobSize(blob)).as("no repository links it any more").isEmpty();
    }

    @Test
    void linkingTwiceKeepsTheFirstSize() {
        Digest blob = digestOf("layer");
        store.linkBlob("repo", blob, 10, T0);
        store.linkBlob("repo", blob, 99, at(1));

        assertThat(store.linkedBlobSize("repo", blob)).hasValue(10);
    }

    // --- manifests --------------------------------------------------------------------------------------

    @Test
    void putManifestStoresEverythingAndReturnsTheRecord() {
        Digest config = linkedBlob("repo", "config");
        Digest layer = linkedBlob("repo", "layer");
        ManifestWrite image = image("v1", List.of(config, layer));

        ManifestRecord stored = store.putManifest("repo", image, "v1", at(5));

        assertThat(stored.repository()).isEqualTo("repo");
        assertThat(stored.digest()).isEqualTo(image.digest());
        assertThat(stored.mediaType()).isEqualTo(IMAGE_MANIFEST);
        assertThat(stored.artifactType()).isEqualTo(IMAGE_CONFIG);
        assertThat(stored.content()).isEqualTo(image.content());
        assertThat(stored.subject()).isNull();
        assertThat(stored.annotationsJson()).isEqualTo(image.annotationsJson());
        assertThat(stored.totalSize()).isEqualTo(image.totalSize());
        assertThat(stored.pushedAt()).isEqualTo(at(5));
        assertThat(stored.lastPulled()).isNull();
        assertThat(stored.pullCount()).isZero();
        assertThat(store.getManifest("repo", image.digest())).get().usingRecursiveComparison().isEqualTo(stored);
        assertThat(store.getManifestByTag("repo", "v1")).get().usingRecursiveComparison().isEqualTo(stored);
        assertThat(store.getManifest("other", image.digest())).isEmpty();
        assertThat(store.getManifestByTag("repo", "v2")).isEmpty();
        assertThat(store.tagsOf("repo", image.digest())).containsExactly("v1");
    }

    @Test
    void instantsKeepMillisecondPrecision() {
        Instant now = Instant.parse("2025-03-04T05:06:07.891Z");
        ManifestWrite image = pushImage("repo", "x", "t", now);

        assertThat(store.getManifest("repo", image.digest()).orElseThrow().pushedAt()).isEqualTo(now);
        assertThat(store.tagHistory("repo", "t").getFirst().at()).isEqualTo(now);
    }

    @Test
    void missingReferencesAreListedExactlyAndNothingIsWritten() {
        Digest present = linkedBlob("repo", "present");
        Digest missingBlob = digestOf("missing-blob");
        Digest elsewhere = linkedBlob("other", "elsewhere"); // linked, but to another repository
        ManifestWrite image = image("img", List.of(present, missingBlob, elsewhere, missingBlob));

        assertThatThrownBy(() -> store.putManifest("repo", image, "latest", T0))
                .isInstanceOfSatisfying(MissingReferencesException.class,
                        e -> assertThat(e.missingBlobs()).containsExactly(missingBlob, elsewhere));

        assertThat(store.getManifest("repo", image.digest())).isEmpty();
        assertThat(store.listTags("repo", null, 10)).isEmpty();
        assertThat(store.tagHistory("repo", null)).isEmpty();
    }

    @Test
    void aSparseIndexIsStoredAndAChildArrivingLaterIsPartOfIt() {
        ManifestWrite amd64 = pushImage("repo", "amd64", null, at(1));
        ManifestWrite arm64 = image("arm64", List.of(digestOf("blob:arm64")));
        ManifestWrite index = index("idx", List.of(amd64.digest(), arm64.digest()));

        ManifestRecord stored = store.putManifest("repo", index, "latest", at(2));

        assertThat(stored.digest()).isEqualTo(index.digest());
        assertThat(store.getManifest("repo", arm64.digest())).as("the missing child stays missing").isEmpty();
        assertThat(store.indexesReferencing("repo", arm64.digest())).containsExactly(index.digest());
        assertThat(store.missingChildren("repo", index.digest())).containsExactly(arm64.digest());
        assertThat(store.missingChildren("repo", amd64.digest())).isEmpty();

        store.linkBlob("repo", digestOf("blob:arm64"), 1000, T0);
        store.putManifest("repo", arm64, null, at(3));
        assertThat(store.missingChildren("repo", index.digest())).isEmpty();
        assertThat(store.deleteManifest("repo", arm64.digest(), at(4)))
                .as("a child that arrived after its index is protected like any other")
                .isEqualTo(DeleteOutcome.REFERENCED_BY_INDEX);
        assertThat(store.deleteManifest("repo", index.digest(), at(5))).isEqualTo(DeleteOutcome.DELETED);
        assertThat(store.deleteManifest("repo", arm64.digest(), at(6))).isEqualTo(DeleteOutcome.DELETED);
        assertThat(store.deleteManifest("repo", amd64.digest(), at(6))).isEqualTo(DeleteOutcome.DELETED);
    }

    @Test
    void everyTagOfAMultiTagPushMovesOrNoneDoes() {
        ManifestWrite first = pushImage("repo", "first", "stable", at(1));
        ManifestWrite second = image("second", List.of(linkedBlob("repo", "second")));

        store.putTaggedManifest("repo", second, List.of("latest", "v2", "latest"), at(2));
        assertThat(store.getManifestByTag("repo", "latest").orElseThrow().digest()).isEqualTo(second.digest());
        assertThat(store.getManifestByTag("repo", "v2").orElseThrow().digest()).isEqualTo(second.digest());
        assertThat(store.tagHistory("repo", "latest")).hasSize(1);

        store.setImmutableTags("repo", new ImmutableTags(true, List.of("stable")), at(3));
        ManifestWrite third = image("third", List.of(linkedBlob("repo", "third")));
        assertThatThrownBy(() -> store.putTaggedManifest("repo", third, List.of("latest", "stable", "v3"), at(4)))
                .isInstanceOf(ImmutableTagException.class);
        assertThat(store.getManifestByTag("repo", "latest").orElseThrow().digest()).isEqualTo(second.digest());
        assertThat(store.getManifestByTag("repo", "stable").orElseThrow().digest()).isEqualTo(first.digest());
        assertThat(store.getManifestByTag("repo", "v3")).isEmpty();
        assertThat(store.getManifest("repo", third.digest())).as("nothing of the push is kept").isEmpty();
    }

    @Test
    void aManifestStoredBySha512IsFoundByThatDigestAndItsTags() {
        byte[] content = "{\"sha512\":true}".getBytes(UTF_8);
        Digest sha512 = Digest.of("sha512", content);
        store.putManifest("repo", new ManifestWrite(sha512, IMAGE_MANIFEST, null, content, List.of(), List.of(),
                null, null, content.length), "long", at(1));

        assertThat(store.getManifest("repo", sha512).orElseThrow().digest()).isEqualTo(sha512);
        assertThat(store.getManifestByTag("repo", "long").orElseThrow().digest()).isEqualTo(sha512);
        assertThat(store.getManifest("repo", Digest.sha256(content))).isEmpty();
    }

    @Test
    void rejectedPushToNewRepositoryDoesNotCreateIt() {
        ManifestWrite image = image("img", List.of(digestOf("nope")));

        assertThatThrownBy(() -> store.putManifest("fresh", image, "latest", T0))
                .isInstanceOf(MissingReferencesException.class);
        assertThat(store.findRepository("fresh")).isEmpty();
    }

    @Test
    void pushingTheSameManifestAgainIsIdempotent() {
        ManifestWrite image = pushImage("repo", "same", "v1", at(1));

        ManifestRecord again = store.putManifest("repo", image, "v1", at(2));
        store.putManifest("repo", image, null, at(3));

        assertThat(again.pushedAt()).as("the original row is kept").isEqualTo(at(1));
        assertThat(store.tagHistory("repo", "v1")).hasSize(1);
        // references were not duplicated: deleting works and leaves nothing behind
        ManifestWrite index = index("idx", List.of(image.digest(), image.digest()));
        store.putManifest("repo", index, null, at(4));
        store.putManifest("repo", index, null, at(5));
        assertThat(store.indexesReferencing("repo", image.digest())).containsExactly(index.digest());
        assertThat(store.deleteManifest("repo", index.digest(), at(6))).isEqualTo(DeleteOutcome.DELETED);
        assertThat(store.indexesReferencing("repo", image.digest())).isEmpty();
    }

    @Test
    void sameDigestInTwoRepositoriesIsTwoManifests() {
        ManifestWrite a = pushImage("a", "shared", "latest", at(1));
        Digest blob = a.blobs().getFirst();
        store.linkBlob("b", blob, 1000, T0);
        store.putManifest("b", a, "latest", at(2));

        assertThat(store.deleteManifest("a", a.digest(), at(3))).isEqualTo(DeleteOutcome.DELETED);
        assertThat(store.getManifest("b", a.digest())).get().extracting(ManifestRecord::pushedAt).isEqualTo(at(2));
        assertThat(store.getManifestByTag("b", "latest")).isPresent();
    }

    // --- tags and history ---------------------------------------------------------------------------------

    @Test
    void tagCreateMoveAndDeleteAreRecorded() {
        ManifestWrite first = pushImage("repo", "first", "latest", at(1));
        ManifestWrite second = pushImage("repo", "second", "latest", at(2));
        store.putManifest("repo", second, "latest", at(3)); // already there: no event

        assertThat(store.getManifestByTag("repo", "latest").orElseThrow().digest()).isEqualTo(second.digest());
        assertThat(store.deleteTag("repo", "latest", at(4))).isTrue();
        assertThat(store.deleteTag("repo", "latest", at(5))).isFalse();
        assertThat(store.deleteTag("nowhere", "latest", at(5))).isFalse();
        assertThat(store.getManifestByTag("repo", "latest")).isEmpty();
        assertThat(store.getManifest("repo", second.digest())).as("only the tag is gone").isPresent();

        assertThat(store.tagHistory("repo", "latest")).containsExactly(
                new TagEvent("repo", "latest", first.digest(), null, TagEvent.Action.PUSH, at(1)),
                new TagEvent("repo", "latest", second.digest(), first.digest(), TagEvent.Action.MOVE, at(2)),
                new TagEvent("repo", "latest", second.digest(), null, TagEvent.Action.DELETE, at(4)));
        assertThat(store.tagHistoryOf("repo", first.digest())).extracting(TagEvent::action)
                .containsExactly(TagEvent.Action.PUSH, TagEvent.Action.MOVE);
        assertThat(store.tagHistoryOf("repo", second.digest())).extracting(TagEvent::action)
                .containsExactly(TagEvent.Action.MOVE, TagEvent.Action.DELETE);
        assertThat(store.tagHistoryOf("other", first.digest())).isEmpty();
    }

    @Test
    void historyOfTheWholeRepositoryIsOldestFirst() {
        ManifestWrite a = pushImage("repo", "a", "one", at(1));
        pushImage("repo", "b", "two", at(2));
        store.putManifest("repo", a, "two", at(3));
        pushImage("other", "c", "one", at(4));

        assertThat(store.tagHistory("repo", null))
                .extracting(e -> e.tag() + ":" + e.action())
                .containsExactly("one:PUSH", "two:PUSH", "two:MOVE");
        assertThat(store.tagHistory("repo", "one")).hasSize(1);
        assertThat(store.tagHistory("nowhere", null)).isEmpty();
    }

    @Test
    void tagsPaginateInByteOrderWithExclusiveAfter() {
        ManifestWrite image = pushImage("repo", "img", null, T0);
        for (String tag : List.of("b", "a_1", "A", "a.1", "B", "a", "a-1")) {
            store.putManifest("repo", image, tag, T0);
        }

        assertThat(store.listTags("repo", null, 100)).containsExactly("A", "B", "a", "a-1", "a.1", "a_1", "b");
        assertThat(store.listTags("repo", null, 2)).containsExactly("A", "B");
        assertThat(store.listTags("repo", "B", 2)).containsExactly("a", "a-1");
        assertThat(store.listTags("repo", "a-0", 2)).containsExactly("a-1", "a.1");
        assertThat(store.listTags("repo", "b", 2)).isEmpty();
        assertThat(store.listTags("nowhere", null, 2)).isEmpty();
        assertThat(store.tagsOf("repo", image.digest())).containsExactly("A", "B", "a", "a-1", "a.1", "a_1", "b");
    }

    // --- deleting manifests -------------------------------------------------------------------------------

    @Test
    void manifestListedByAnIndexCannotBeDeletedUntilTheIndexIs() {
        ManifestWrite amd64 = pushImage("repo", "amd64", "amd64", at(1));
        ManifestWrite arm64 = pushImage("repo", "arm64", null, at(1));
        ManifestWrite index = index("multi", List.of(amd64.digest(), arm64.digest()));
        store.putManifest("repo", index, "latest", at(2));

        assertThat(store.indexesReferencing("repo", amd64.digest())).containsExactly(index.digest());
        assertThat(store.indexesReferencing("other", amd64.digest())).isEmpty();
        assertThat(store.deleteManifest("repo", amd64.digest(), at(3))).isEqualTo(DeleteOutcome.REFERENCED_BY_INDEX);
        assertThat(store.getManifest("repo", amd64.digest())).isPresent();
        assertThat(store.tagsOf("repo", amd64.digest())).containsExactly("amd64");

        assertThat(store.deleteManifest("repo", index.digest(), at(4))).isEqualTo(DeleteOutcome.DELETED);
        assertThat(store.getManifest("repo", index.digest())).isEmpty();
        assertThat(store.indexesReferencing("repo", amd64.digest())).isEmpty();
        assertThat(store.deleteManifest("repo", amd64.digest(), at(5))).isEqualTo(DeleteOutcome.DELETED);

        assertThat(store.getManifest("repo", amd64.digest())).isEmpty();
        assertThat(store.listTags("repo", null, 10)).isEmpty();
        assertThat(store.tagHistory("repo", null)).extracting(e -> e.tag() + ":" + e.action() + "@" + e.at())
                .containsExactly("amd64:PUSH@" + at(1), "latest:PUSH@" + at(2), "latest:DELETE@" + at(4),
                        "amd64:DELETE@" + at(5));
        assertThat(store.deleteManifest("repo", amd64.digest(), at(6))).isEqualTo(DeleteOutcome.NOT_FOUND);
        assertThat(store.deleteManifest("nowhere", amd64.digest(), at(6))).isEqualTo(DeleteOutcome.NOT_FOUND);
    }

    @Test
    void aProtectedTagIsNotDeletedAnOrdinaryOneIs() {
        ManifestWrite image = pushImage("repo", "img", "v1", at(1));
        store.putManifest("repo", image, "latest", at(2));
        store.setImmutableTags("repo", new ImmutableTags(true, List.of("v[0-9]+")), at(3));

        assertThatThrownBy(() -> store.deleteMutableTag("repo", "v1", at(4)))
                .isInstanceOfSatisfying(ImmutableTagException.class,
                        e -> assertThat(e.current()).isEqualTo(image.digest()));
        assertThat(store.getManifestByTag("repo", "v1")).isPresent();
        assertThat(store.deleteMutableTag("repo", "latest", at(5))).isTrue();
        assertThat(store.deleteMutableTag("repo", "latest", at(6))).isFalse();
        assertThat(store.deleteMutableTag("nowhere", "v1", at(6))).isFalse();
        assertThat(store.tagHistory("repo", "latest")).extracting(TagEvent::action)
                .containsExactly(TagEvent.Action.PUSH, TagEvent.Action.DELETE);
    }

    @Test
    void deletingARepositoryRemovesEverythingAndAPushStartsAfresh() {
        ManifestWrite amd64 = pushImage("gone/app", "amd64", null, at(1));
        ManifestWrite index = index("idx", List.of(amd64.digest(), digestOf("not mirrored")));
        store.putManifest("gone/app", index, "latest", at(2));
        store.putManifest("gone/app", amd64, "amd64", at(2));
        store.recordPulls("gone/app", index.digest(), 3, at(3));
        store.setImmutableTags("gone/app", new ImmutableTags(true, List.of("release-.*")), at(3));
        pushImage("gone/other", "kept", "v1", at(3));

        assertThat(store.deleteRepository("gone/app", at(4))).isTrue();

        assertThat(store.findRepository("gone/app")).isEmpty();
        assertThat(store.getManifest("gone/app", amd64.digest())).isEmpty();
        assertThat(store.getManifestByTag("gone/app", "latest")).isEmpty();
        assertThat(store.tagHistory("gone/app", null)).isEmpty();
        assertThat(store.linkedBlobSize("gone/app", amd64.blobs().getFirst())).isEmpty();
        assertThat(store.immutableTags("gone/app")).isEqualTo(ImmutableTags.OFF);
        assertThat(store.listRepositories(null, 10)).containsExactly("gone/other");
        assertThat(store.deleteRepository("gone/app", at(5))).isFalse();

        pushImage("gone/app", "again", "latest", at(6));
        assertThat(store.findRepository("gone/app")).isPresent();
        assertThat(store.tagHistory("gone/app", null)).hasSize(1);
    }

    @Test
    void pushesDuringRepositoryDeletesEitherLandWholeOrAreRefusedCleanly() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> pushers = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                int pusher = p;
                pushers.add(pool.submit(() -> {
                    int landed = 0;
                    for (int i = 0; i < 15; i++) {
                        try {
                            pushImage("race/doomed", "p" + pusher + "-" + i, "t" + pusher + "-" + i, at(i));
                            landed++;
                        } catch (MissingReferencesException e) {
                            // the delete took the layer's link between link and manifest: the client pushes again
                        }
                    }
                    return landed;
                }));
            }
            Future<Integer> deleter = pool.submit(() -> {
                int deleted = 0;
                for (int i = 0; i < 15; i++) if (store.deleteRepository("race/doomed", at(100 + i))) deleted++;
                return deleted;
            });
            for (Future<Integer> f : pushers) f.get(2, TimeUnit.MINUTES);
            deleter.get(2, TimeUnit.MINUTES);
        } finally {
            pool.shutdownNow();
        }
        // Whatever is left is whole: every tag resolves to a stored manifest whose blob is linked.
        for (String tag : store.listTags("race/doomed", null, 100)) {
            ManifestRecord m = store.getManifestByTag("race/doomed", tag).orElseThrow();
            assertThat(store.getManifest("race/doomed", m.digest())).isPresent();
        }
        pushImage("race/doomed", "after", "after", at(200));
        assertThat(store.getManifestByTag("race/doomed", "after")).isPresent();
    }

    @Test
    void aRepositoryWithAProtectedTagIsNotDeleted() {
        ManifestWrite image = pushImage("repo", "img", "release-1", at(1));
        store.setImmutableTags("repo", new ImmutableTags(true, List.of("release-.*")), at(2));

        assertThatThrownBy(() -> store.deleteRepository("repo", at(3))).isInstanceOf(ImmutableTagException.class);
        assertThat(store.getManifestByTag("repo", "release-1").orElseThrow().digest()).isEqualTo(image.digest());

        store.setImmutableTags("repo", ImmutableTags.OFF, at(4));
        assertThat(store.deleteRepository("repo", at(5))).isTrue();
    }

    @Test
    void anIndexListingADeletedManifestIsSparse() {
        ManifestWrite image = pushImage("repo", "img", null, T0);
        store.deleteManifest("repo", image.digest(), at(1));

        store.putManifest("repo", index("idx", List.of(image.digest())), null, at(2));
        assertThat(store.getManifest("repo", image.digest())).isEmpty();
        assertThat(store.indexesReferencing("repo", image.digest())).hasSize(1);
    }

    // --- referrers ----------------------------------------------------------------------------------------

    @Test
    void referrersOptionallyFilteredByArtifactType() {
        ManifestWrite subject = pushImage("repo", "subject", "latest", T0);
        ManifestWrite sbom = referrer("sbom", subject.digest(), SBOM);
        ManifestWrite signature = referrer("sig", subject.digest(), SIGNATURE);
        ManifestWrite unrelated = referrer("other", digestOf("another subject"), SBOM);
        store.putManifest("repo", sbom, null, at(1));
        store.putManifest("repo", signature, null, at(2));
        store.putManifest("repo", unrelated, null, at(3));
        store.putManifest("elsewhere", sbom, null, at(4));

        assertThat(store.referrers("repo", subject.digest(), null)).extracting(ManifestRecord::digest)
                .containsExactly(sbom.digest(), signature.digest());
        assertThat(store.referrers("repo", subject.digest(), SBOM)).singleElement()
                .satisfies(r -> {
                    assertThat(r.digest()).isEqualTo(sbom.digest());
                    assertThat(r.subject()).isEqualTo(subject.digest());
                    assertThat(r.artifactType()).isEqualTo(SBOM);
                    assertThat(r.annotationsJson()).isEqualTo(sbom.annotationsJson());
                });
        assertThat(store.referrers("repo", subject.digest(), "application/unknown")).isEmpty();
        assertThat(store.referrers("repo", sbom.digest(), null)).isEmpty();
    }

    // --- pulls ----------------------------------------------------------------------------------------------

    @Test
    void recordPullCountsAndKeepsTheLatestTime() throws Exception {
        ManifestWrite image = pushImage("repo", "img", "latest", T0);
        store.recordPull("repo", image.digest(), at(10));
        store.recordPull("repo", image.digest(), at(5)); // committed late, happened earlier
        store.recordPull("repo", digestOf("unknown"), at(10)); // not an error: the GET already answered 404

        ManifestRecord record = store.getManifest("repo", image.digest()).orElseThrow();
        assertThat(record.pullCount()).isEqualTo(2);
        assertThat(record.lastPulled()).isEqualTo(at(10));

        runConcurrently(8, i -> {
            for (int n = 0; n < 25; n++) store.recordPull("repo", image.digest(), at(20));
            return null;
        });
        assertThat(store.getManifest("repo", image.digest()).orElseThrow().pullCount()).isEqualTo(2 + 8 * 25);
    }

    // --- uploads --------------------------------------------------------------------------------------------

    @Test
    void uploadSessionsLifecycle() {
        UploadSession old = new UploadSession("u-old", "repo", at(0), at(0));
        UploadSession fresh = new UploadSession("u-fresh", "repo", at(0), at(50));
        store.createUpload(old);
        store.createUpload(fresh);

        assertThat(store.findUpload("u-old")).contains(old);
        assertThat(store.findUpload("u-none")).isEmpty();
        assertThat(store.uploadsIdleSince(at(10))).containsExactly(old);
        assertThat(store.uploadsIdleSince(at(50))).as("cutoff is exclusive").containsExactly(old);
        assertThat(store.uploadsIdleSince(at(100))).containsExactly(old, fresh);

        store.touchUpload("u-old", at(60));
        assertThat(store.findUpload("u-old")).contains(new UploadSession("u-old", "repo", at(0), at(60)));
        assertThat(store.uploadsIdleSince(at(55))).containsExactly(fresh);

        store.deleteUpload("u-fresh");
        store.deleteUpload("u-fresh"); // deleting twice is harmless (expiry and completion can race)
        assertThat(store.findUpload("u-fresh")).isEmpty();
        assertThat(store.uploadsIdleSince(at(100))).extracting(UploadSession::id).containsExactly("u-old");
    }

    @Test
    void pingAnswers() {
        store.ping();
    }

    // --- concurrency ----------------------------------------------------------------------------------------

    @Test
    void concurrentPushesToOneTagLeaveAConsistentHistory() throws Exception {
        int threads = 16;
        List<ManifestWrite> images = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            images.add(image("racer" + i, List.of(linkedBlob("repo", "racer" + i))));
        }

        runConcurrently(threads, i -> store.putManifest("repo", images.get(i), "latest", at(i)));

        Set<Digest> pushed = new HashSet<>(images.stream().map(ManifestWrite::digest).toList());
        List<TagEvent> history = store.tagHistory("repo", "latest");
        assertThat(history).hasSize(threads);
        assertThat(history.getFirst().action()).isEqualTo(TagEvent.Action.PUSH);
        assertThat(history.getFirst().previous()).isNull();
        for (int i = 1; i < history.size(); i++) {
            TagEvent event = history.get(i);
            assertThat(event.action()).isEqualTo(TagEvent.Action.MOVE);
            assertThat(event.previous()).as("event %d continues the chain", i).isEqualTo(history.get(i - 1).digest());
        }
        assertThat(history).extracting(TagEvent::digest).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(pushed);
        Digest current = store.getManifestByTag("repo", "latest").orElseThrow().digest();
        assertThat(current).isEqualTo(history.getLast().digest());
    }

    @Test
    void concurrentLinksOfOneBlobSucceed() throws Exception {
        Digest blob = digestOf("popular layer");

        runConcurrently(16, i -> {
            store.linkBlob("repo", blob, 4096, at(i));
            return null;
        });

        assertThat(store.linkedBlobSize("repo", blob)).hasValue(4096);
        assertThat(store.listRepositories(null, 10)).containsExactly("repo");
        assertThat(store.unlinkBlob("repo", blob, at(2))).isTrue();
        assertThat(store.unlinkBlob("repo", blob, at(2))).as("linked exactly once").isFalse();
    }

    interface Task {
        Object run(int index) throws Exception;
    }

    /** Starts all tasks at the same moment and rethrows the first failure. */
    static void runConcurrently(int threads, Task task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Object>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int index = i;
                Callable<Object> callable = () -> {
                    start.await();
                    return task.run(index);
                };
                futures.add(pool.submit(callable));
            }
            start.countDown();
            for (Future<Object> future : futures) future.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }
}
