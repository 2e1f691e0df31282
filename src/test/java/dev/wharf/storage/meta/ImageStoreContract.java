package dev.wharf.storage.meta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.model.Digest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The image-management part of the {@link MetadataStore} contract (listing, summary, image tags, guarded
 * deletes), kept in its own file; the SQLite and PostgreSQL tests run it with the rest of the contract.
 */
abstract class ImageStoreContract extends MetadataStoreContract {

    static final Instant NOW = T0.plus(Duration.ofDays(90));
    static final Instant MONTH_AGO = NOW.minus(Duration.ofDays(30));

    ImageQuery query(ImageQuery.Status status, Boolean tagged, ImageQuery.Order order, int offset, int limit) {
        return new ImageQuery("repo", MONTH_AGO, status, tagged, order, offset, limit);
    }

    List<Digest> digests(ImageQuery query) {
        return store.listImages(query).items().stream().map(ImageRecord::digest).toList();
    }

    @Test
    void imagesAreFilteredOrderedAndPaged() {
        Digest old = pushImage("repo", "old", "v1", T0).digest(); // untouched for three months: inactive
        Digest pulled = pushImage("repo", "pulled", null, T0).digest();
        store.recordPulls("repo", pulled, 3, NOW.minus(Duration.ofDays(1)));
        Digest fresh = pushImage("repo", "fresh", "latest", NOW.minus(Duration.ofHours(1))).digest();
        pushImage("other", "elsewhere", "latest", NOW);

        ImageQuery.Order byActivity = ImageQuery.Order.LAST_ACTIVITY;
        assertThat(digests(query(null, null, byActivity, 0, 10))).containsExactly(old, pulled, fresh);
        assertThat(digests(query(null, null, ImageQuery.Order.LAST_ACTIVITY_DESC, 0, 10)))
                .containsExactly(fresh, pulled, old);
        assertThat(digests(query(ImageQuery.Status.ACTIVE, null, byActivity, 0, 10))).containsExactly(pulled, fresh);
        assertThat(digests(query(ImageQuery.Status.INACTIVE, null, byActivity, 0, 10))).containsExactly(old);
        assertThat(digests(query(null, true, byActivity, 0, 10))).containsExactly(old, fresh);
        assertThat(digests(query(ImageQuery.Status.ACTIVE, false, byActivity, 0, 10))).containsExactly(pulled);

        List<Digest> sorted = List.of(old, pulled, fresh).stream().sorted().toList();
        assertThat(digests(query(null, null, ImageQuery.Order.DIGEST, 0, 10))).isEqualTo(sorted);
        assertThat(digests(query(null, null, ImageQuery.Order.DIGEST_DESC, 0, 10))).isEqualTo(sorted.reversed());

        Counted<ImageRecord> second = store.listImages(query(null, null, ImageQuery.Order.DIGEST, 2, 2));
        assertThat(second.total()).isEqualTo(3);
        assertThat(second.items()).extracting(ImageRecord::digest).containsExactly(sorted.get(2));
        Counted<ImageRecord> beyond = store.listImages(query(null, null, ImageQuery.Order.DIGEST, 10, 2));
        assertThat(beyond.total()).isEqualTo(3);
        assertThat(beyond.items()).isEmpty();
        assertThat(store.listImages(new ImageQuery("missing", MONTH_AGO, null, null, byActivity, 0, 10)).total())
                .isZero();
    }

    @Test
    void aChildPushedAfterItsSparseIndexIsPartOfItNotAnImage() {
        Digest amd64 = pushImage("repo", "amd64", null, T0).digest();
        ManifestWrite arm64 = image("arm64", List.of(linkedBlob("repo", "arm64")));
        Digest index = store.putManifest("repo", index("idx", List.of(amd64, arm64.digest())), "latest", T0)
                .digest();
        assertThat(digests(query(null, null, ImageQuery.Order.DIGEST, 0, 10))).containsExactly(index);

        store.putManifest("repo", arm64, null, at(1));
        assertThat(digests(query(null, null, ImageQuery.Order.DIGEST, 0, 10))).as("the late child is listed")
                .containsExactly(index);
        assertThat(store.listImages(query(null, null, ImageQuery.Order.DIGEST, 0, 10)).total()).isEqualTo(1);

        store.deleteManifest("repo", index, at(2));
        assertThat(digests(query(null, null, ImageQuery.Order.DIGEST, 0, 10))).as("both children are images again")
                .containsExactlyInAnyOrderElementsOf(List.of(amd64, arm64.digest()));
    }

    @Test
    void activityIsTheLaterOfPushAndPull() {
        Digest image = pushImage("repo", "a", null, T0).digest();
        ImageRecord pushed = store.listImages(query(null, null, ImageQuery.Order.DIGEST, 0, 1)).items().getFirst();
        assertThat(pushed.pushedAt()).isEqualTo(T0);
        assertThat(pushed.lastPulled()).isNull();
        assertThat(pushed.lastActivity()).isEqualTo(T0);

        store.recordPulls("repo", image, 1, NOW);
        store.recordPulls("repo", image, 1, NOW.minusSeconds(5)); // committed late: activity does not go back
        ImageRecord pulled = store.listImages(query(null, null, ImageQuery.Order.DIGEST, 0, 1)).items().getFirst();
        assertThat(pulled.lastPulled()).isEqualTo(NOW);
        assertThat(pulled.lastActivity()).isEqualTo(NOW);
        assertThat(pulled.pushedAt()).isEqualTo(T0);
    }

    @Test
    void tagsOfAnImageAreCurrentThenHistorical() {
        Digest first = pushImage("repo", "first", "latest", T0).digest();
        store.putManifest("repo", image("first", List.of(digestOf("blob:first"))), "v1", at(1));
        store.putManifest("repo", image("first", List.of(digestOf("blob:first"))), "stable", at(2));
        Digest second = pushImage("repo", "second", "latest", at(3)).digest(); // moves latest away from first
        store.deleteTag("repo", "stable", at(4));

        assertThat(store.imageTags("repo", first, 0, 10).items()).containsExactly(
                new ImageTag("v1", true), new ImageTag("latest", false), new ImageTag("stable", false));
        assertThat(store.imageTags("repo", first, 0, 10).total()).isEqualTo(3);
        Counted<ImageTag> page = store.imageTags("repo", first, 1, 1);
        assertThat(page.total()).isEqualTo(3);
        assertThat(page.items()).containsExactly(new ImageTag("latest", false));
        assertThat(store.imageTags("repo", second, 0, 10).items()).containsExactly(new ImageTag("latest", true));

        ImageRecord listed = store.listImages(query(null, null, ImageQuery.Order.LAST_ACTIVITY, 0, 10)).items()
                .getFirst();
        assertThat(listed.digest()).isEqualTo(first);
        assertThat(listed.tags()).containsExactly(
                new ImageTag("v1", true), new ImageTag("latest", false), new ImageTag("stable", false));
    }

    @Test
    void childrenOfAnIndexArePartOfItNotImages() {
        Digest amd64 = pushImage("repo", "amd64", null, T0).digest();
        Digest arm64 = pushImage("repo", "arm64", null, T0).digest();
        Digest alone = pushImage("repo", "alone", null, T0).digest();
        ManifestWrite index = index("multi", List.of(amd64, arm64));
        store.putManifest("repo", index, "latest", NOW);
        // the same digest as a child elsewhere does not hide it here
        store.putManifest("other", image("alone", List.of(linkedBlob("other", "alone"))), null, T0);
        store.putManifest("other", index("other", List.of(alone)), null, T0);

        assertThat(digests(query(null, null, ImageQuery.Order.DIGEST, 0, 10)))
                .containsExactlyInAnyOrder(index.digest(), alone);
        assertThat(store.imageSummary("repo", MONTH_AGO)).isEqualTo(new ImageSummary(2, 1));
        assertThat(store.imageSummary("repo", MONTH_AGO).inactive()).isEqualTo(1);
        assertThat(store.imageSummary("missing", MONTH_AGO)).isEqualTo(new ImageSummary(0, 0));
    }

    @Test
    void childrenBecomeImagesWhenTheLastIndexListingThemIsDeleted() {
        Digest shared = pushImage("repo", "shared", null, T0).digest();
        Digest only = pushImage("repo", "only", null, T0).digest();
        ManifestWrite first = index("first", List.of(shared, only, shared)); // a repeated child counts once
        ManifestWrite second = index("second", List.of(shared));
        store.putManifest("repo", first, null, T0);
        store.putManifest("repo", first, "again", T0); // storing the same index again changes nothing
        store.putManifest("repo", second, null, T0);
        assertThat(digests(query(null, null, ImageQuery.Order.DIGEST, 0, 10)))
                .containsExactlyInAnyOrder(first.digest(), second.digest());

        assertThat(store.deleteImage("repo", first.digest(), DeleteGuard.NONE, NOW).result())
                .isEqualTo(ImageDeletion.Result.DELETED);
        assertThat(digests(query(null, null, ImageQuery.Order.DIGEST, 0, 10)))
                .containsExactlyInAnyOrder(second.digest(), only);
        assertThat(store.deleteManifest("repo", second.digest(), NOW)).isEqualTo(DeleteOutcome.DELETED);
        assertThat(digests(query(null, null, ImageQuery.Order.DIGEST, 0, 10))).containsExactlyInAnyOrder(shared, only);
        assertThat(store.imageSummary("repo", MONTH_AGO).total()).isEqualTo(2);
    }

    @Test
    void deleteImageRemovesTheManifestAndItsTagsOnly() {
        Digest image = pushImage("repo", "a", "latest", T0).digest();
        store.putManifest("repo", image("a", List.of(digestOf("blob:a"))), "v1", T0);
        Digest kept = pushImage("repo", "b", "stable", T0).digest();

        ImageDeletion deleted = store.deleteImage("repo", image, new DeleteGuard(MONTH_AGO, Set.of("latest", "v1")),
                NOW);

        assertThat(deleted).isEqualTo(new ImageDeletion(ImageDeletion.Result.DELETED, List.of("latest", "v1")));
        assertThat(store.getManifest("repo", image)).isEmpty();
        assertThat(store.listTags("repo", null, 10)).containsExactly("stable");
        assertThat(store.tagHistory("repo", "latest").getLast().action()).isEqualTo(TagEvent.Action.DELETE);
        assertThat(store.getManifest("repo", kept)).isPresent();
        assertThat(store.deleteImage("repo", image, DeleteGuard.NONE, NOW).result())
                .isEqualTo(ImageDeletion.Result.NOT_FOUND);
        assertThat(store.deleteImage("missing", image, DeleteGuard.NONE, NOW).result())
                .isEqualTo(ImageDeletion.Result.NOT_FOUND);
    }

    @Test
    void deleteImageRefusesWhenItsGuardNoLongerHolds() {
        Digest image = pushImage("repo", "a", "latest", T0).digest();
        store.recordPulls("repo", image, 1, NOW);

        assertThat(store.deleteImage("repo", image, new DeleteGuard(MONTH_AGO, null), NOW))
                .isEqualTo(new ImageDeletion(ImageDeletion.Result.BECAME_ACTIVE, List.of()));
        assertThat(store.deleteImage("repo", image, new DeleteGuard(null, Set.of("other")), NOW).result())
                .isEqualTo(ImageDeletion.Result.TAG_NOT_ALLOWED);
        assertThat(store.getManifest("repo", image)).isPresent();
        assertThat(store.listTags("repo", null, 10)).containsExactly("latest");

        Digest child = pushImage("repo", "child", null, T0).digest();
        store.putManifest("repo", index("idx", List.of(child)), null, T0);
        assertThat(store.deleteImage("repo", child, DeleteGuard.NONE, NOW).result())
                .isEqualTo(ImageDeletion.Result.REFERENCED_BY_INDEX);
        assertThat(store.getManifest("repo", child)).isPresent();
    }
}
