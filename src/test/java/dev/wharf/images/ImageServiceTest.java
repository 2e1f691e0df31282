package dev.wharf.images;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.auth.Action;
import dev.wharf.auth.Principal;
import dev.wharf.testing.MutableClock;
import dev.wharf.images.DeleteImagesReport.Metrics;
import dev.wharf.images.DeleteImagesReport.Problem;
import dev.wharf.images.DeleteImagesRequest.IgnoredWarning;
import dev.wharf.images.DeleteImagesRequest.ManifestRef;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.ImageTag;
import dev.wharf.storage.meta.ManifestWrite;
import dev.wharf.storage.meta.MetadataStore;
import dev.wharf.storage.meta.SqlMetadataStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The image rules on a real SQLite store with a clock the test moves. */
class ImageServiceTest {
    static final Instant NOW = Instant.parse("2025-06-15T12:00:00Z");
    static final Principal CALLER = new Principal.UserPrincipal(7, "someone", false);

    @TempDir
    Path dir;
    MetadataStore meta;
    MutableClock clock = new MutableClock(NOW.minus(Duration.ofDays(60)));
    /** Actions per repository; anything not listed is invisible. */
    Map<String, Set<Action>> rights = new HashMap<>();
    ImageService images;

    @BeforeEach
    void open() {
        meta = new SqlMetadataStore(Database.open("jdbc:sqlite:" + dir.resolve("meta.db"), null, null, 4, null));
        images = new ImageService(meta, (p, repo) -> rights.getOrDefault(repo, Set.of()), clock);
        rights.put("acme/app", EnumSet.allOf(Action.class));
    }

    @AfterEach
    void close() {
        meta.close();
    }

    Digest push(String repo, String seed, String tag) {
        byte[] content = ("{\"seed\":\"" + seed + "\"}").getBytes(UTF_8);
        Digest digest = Digest.sha256(content);
        meta.putManifest(repo, new ManifestWrite(digest, "application/vnd.oci.image.manifest.v1+json", null, content,
                List.of(), List.of(), null, null, content.length), tag, clock.instant());
        return digest;
    }

    Digest pushIndex(String repo, String seed, List<Digest> children) {
        byte[] content = ("{\"index\":\"" + seed + "\"}").getBytes(UTF_8);
        Digest digest = Digest.sha256(content);
        meta.putManifest(repo, new ManifestWrite(digest, "application/vnd.oci.image.index.v1+json", null, content,
                List.of(), children, null, null, content.length), null, clock.instant());
        return digest;
    }

    void at(Instant instant) {
        clock.advance(Duration.between(clock.instant(), instant));
    }

    ImageListRequest list(String status, int page, int pageSize) {
        return new ImageListRequest(status, null, "digest", null, page, pageSize);
    }

    @Test
    void pulledYesterdayIsActiveUntouchedForTwoMonthsIsNot() {
        Digest untouched = push("acme/app", "untouched", "old");
        Digest pulled = push("acme/app", "pulled", null);
        meta.recordPull("acme/app", pulled, NOW.minus(Duration.ofDays(1)));
        at(NOW);

        ImagesSummary summary = images.summary(CALLER, "acme", "app", null);
        assertThat(summary).isEqualTo(new ImagesSummary(Instant.parse("2025-05-15T12:00:00Z"), 2, 1, 1));

        Paged<Image> active = images.list(CALLER, "acme", "app", list("active", 1, 10));
        assertThat(active.items()).singleElement().satisfies(i -> {
            assertThat(i.digest()).isEqualTo(pulled);
            assertThat(i.active()).isTrue();
            assertThat(i.lastPulled()).isEqualTo(NOW.minus(Duration.ofDays(1)));
            assertThat(i.namespace()).isEqualTo("acme");
            assertThat(i.repository()).isEqualTo("app");
        });
        assertThat(images.list(CALLER, "acme", "app", list("inactive", 1, 10)).items())
                .singleElement().satisfies(i -> {
                    assertThat(i.digest()).isEqualTo(untouched);
                    assertThat(i.active()).isFalse();
                    assertThat(i.lastPulled()).isNull();
                    assertThat(i.tags()).containsExactly(new ImageTag("old", true));
                });
        // an explicit active_from far back makes both active
        assertThat(images.summary(CALLER, "acme", "app", "2025-01-01T00:00:00+02:00").active()).isEqualTo(2);
    }

    @Test
    void movedTagsAreHistoricalOnTheImageTheyLeft() {
        Digest v1 = push("acme/app", "v1", "latest");
        meta.putManifest("acme/app", meta.getManifest("acme/app", v1).map(m -> new ManifestWrite(m.digest(),
                m.mediaType(), null, m.content(), List.of(), List.of(), null, null, m.totalSize())).orElseThrow(),
                "1.0", clock.instant());
        Digest v2 = push("acme/app", "v2", "latest");

        assertThat(images.tags(CALLER, "acme", "app", v1.toString(), 1, 10).items())
                .containsExactly(new ImageTag("1.0", true), new ImageTag("latest", false));
        assertThat(images.tags(CALLER, "acme", "app", v2.toString(), 1, 10).items())
                .containsExactly(new ImageTag("latest", true));
        Paged<ImageTag> second = images.tags(CALLER, "acme", "app", v1.toString(), 2, 1);
        assertThat(second.total()).isEqualTo(2);
        assertThat(second.items()).containsExactly(new ImageTag("latest", false));
        assertThat(second.hasNext()).isFalse();
        assertThat(second.hasPrevious()).isTrue();
    }

    @Test
    void badInputIsRefused() {
        push("acme/app", "a", null);
        for (String bad : List.of("2025-01-01", "2025-01-01T00:00Z", "yesterday", "2025-02-30T00:00:00Z")) {
            assertThatThrownBy(() -> images.summary(CALLER, "acme", "app", bad))
                    .isInstanceOfSatisfying(ImageException.class, e -> {
                        assertThat(e.kind()).isEqualTo(ImageException.Kind.INVALID);
                        assertThat(e.field()).isEqualTo("active_from");
                    });
        }
        assertThatThrownBy(() -> images.list(CALLER, "acme", "app", list(null, 1, 0))).hasMessageContaining("page_size");
        assertThatThrownBy(() -> images.list(CALLER, "acme", "app", list(null, 1, 101))).hasMessageContaining("page_size");
        assertThatThrownBy(() -> images.list(CALLER, "acme", "app", list(null, 0, 10))).hasMessageContaining("page");
        assertThatThrownBy(() -> images.list(CALLER, "acme", "app", list("sleeping", 1, 10))).hasMessageContaining("status");
        assertThatThrownBy(() -> images.tags(CALLER, "acme", "app", "sha256:nope", 1, 10))
                .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.field()).isEqualTo("digest"));

        Paged<Image> beyond = images.list(CALLER, "acme", "app", list(null, 1000, 100));
        assertThat(beyond.items()).isEmpty();
        assertThat(beyond.total()).isEqualTo(1);
        assertThat(images.list(CALLER, "acme", "app", list(null, Integer.MAX_VALUE, 100)).items()).isEmpty();
    }

    @Test
    void unknownAndInvisibleRepositoriesAreNotFound() {
        push("acme/secret", "s", "latest");
        for (String repo : List.of("secret", "missing", "Bad_Name")) {
            assertThatThrownBy(() -> images.summary(CALLER, "acme", repo, null))
                    .isInstanceOfSatisfying(ImageException.class,
                            e -> assertThat(e.kind()).isEqualTo(ImageException.Kind.NOT_FOUND));
        }
        assertThatThrownBy(() -> images.tags(CALLER, "acme", "app", Digest.sha256(new byte[1]).toString(), 1, 10))
                .isInstanceOfSatisfying(ImageException.class,
                        e -> assertThat(e.kind()).isEqualTo(ImageException.Kind.NOT_FOUND));
    }

    @Test
    void deleteWarnsThenDeletesWhatWasAccepted() {
        Digest tagged = push("acme/app", "tagged", "latest");
        Digest recent;
        at(NOW);
        recent = push("acme/app", "recent", null);
        DeleteImagesRequest plain = new DeleteImagesRequest(false, null,
                List.of(new ManifestRef("app", tagged.toString()), new ManifestRef("acme/app", recent.toString())),
                null);

        DeleteImagesReport refused = images.delete(CALLER, "acme", plain);
        assertThat(refused.refused()).isTrue();
        assertThat(refused.errors()).isEmpty();
        assertThat(refused.warnings()).containsExactly(
                new Problem("app", tagged.toString(), "current_tag", List.of("latest")),
                new Problem("acme/app", recent.toString(), "is_active", null));
        assertThat(meta.getManifest("acme/app", tagged)).isPresent();

        List<IgnoredWarning> ignore = List.of(
                new IgnoredWarning("app", tagged.toString(), "current_tag", List.of("latest")),
                new IgnoredWarning("app", recent.toString(), "is_active", null));
        DeleteImagesReport dry = images.delete(CALLER, "acme", new DeleteImagesRequest(true, null, plain.manifests(),
                ignore));
        assertThat(dry.refused()).isFalse();
        assertThat(dry.metrics()).isEqualTo(new Metrics(2, 0, 1, 0));
        assertThat(meta.getManifest("acme/app", tagged)).as("a dry run deletes nothing").isPresent();

        DeleteImagesReport done = images.delete(CALLER, "acme", new DeleteImagesRequest(false, null,
                plain.manifests(), ignore));
        assertThat(done.metrics()).isEqualTo(new Metrics(2, 0, 1, 0));
        assertThat(meta.getManifest("acme/app", tagged)).isEmpty();
        assertThat(meta.getManifest("acme/app", recent)).isEmpty();
        assertThat(meta.listTags("acme/app", null, 10)).isEmpty();
    }

    @Test
    void ignoringSomeTagsDoesNotCoverOthers() {
        Digest image = push("acme/app", "a", "latest");
        meta.putManifest("acme/app", meta.getManifest("acme/app", image).map(m -> new ManifestWrite(m.digest(),
                m.mediaType(), null, m.content(), List.of(), List.of(), null, null, m.totalSize())).orElseThrow(),
                "stable", clock.instant());
        at(NOW);
        DeleteImagesReport report = images.delete(CALLER, "acme", new DeleteImagesRequest(false, null,
                List.of(new ManifestRef("app", image.toString())),
                List.of(new IgnoredWarning("app", image.toString(), "current_tag", List.of("latest")))));
        assertThat(report.warnings()).containsExactly(
                new Problem("app", image.toString(), "current_tag", List.of("latest", "stable")));
    }

    @Test
    void errorsCannotBeIgnoredAndStopEverything() {
        Digest child = push("acme/app", "child", null);
        pushIndex("acme/app", "index", List.of(child));
        Digest deletable = push("acme/app", "deletable", null);
        Digest readOnly = push("acme/shared", "shared", null);
        rights.put("acme/shared", EnumSet.of(Action.PULL));
        Digest hidden = push("acme/secret", "secret", null);
        Digest missing = Digest.sha256("nothing".getBytes(UTF_8));
        at(NOW);

        DeleteImagesReport report = images.delete(CALLER, "acme", new DeleteImagesRequest(false, null, List.of(
                new ManifestRef("app", child.toString()),
                new ManifestRef("app", deletable.toString()),
                new ManifestRef("shared", readOnly.toString()),
                new ManifestRef("secret", hidden.toString()),
                new ManifestRef("app", missing.toString())), null));

        assertThat(report.errors()).containsExactly(
                new Problem("app", child.toString(), "child_manifest", null),
                new Problem("shared", readOnly.toString(), "unauthorized", null),
                new Problem("secret", hidden.toString(), "not_found", null),
                new Problem("app", missing.toString(), "not_found", null));
        assertThat(report.warnings()).isEmpty();
        assertThat(meta.getManifest("acme/app", deletable)).as("nothing is deleted").isPresent();
    }

    @Test
    void anImagePulledOrTaggedBetweenCheckAndDeleteIsKept() {
        Digest pulled = push("acme/app", "pulled", null);
        Digest tagged = push("acme/app", "tagged", null);
        at(NOW);
        // A store that lets a pull and a push land just before each delete, as concurrent clients could.
        MetadataStore racing = (MetadataStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {MetadataStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("deleteImage")) {
                        meta.recordPull("acme/app", pulled, NOW);
                        meta.putManifest("acme/app", meta.getManifest("acme/app", tagged).map(m -> new ManifestWrite(
                                m.digest(), m.mediaType(), null, m.content(), List.of(), List.of(), null, null,
                                m.totalSize())).orElseThrow(), "new", NOW);
                    }
                    try {
                        return method.invoke(meta, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        ImageService service = new ImageService(racing, (p, repo) -> EnumSet.allOf(Action.class), clock);

        DeleteImagesReport report = service.delete(CALLER, "acme", new DeleteImagesRequest(false, null,
                List.of(new ManifestRef("app", pulled.toString()), new ManifestRef("app", tagged.toString())), null));

        assertThat(report.refused()).isFalse();
        assertThat(report.metrics()).isEqualTo(new Metrics(0, 2, 0, 0));
        assertThat(meta.getManifest("acme/app", pulled)).isPresent();
        assertThat(meta.getManifest("acme/app", tagged)).isPresent();
        assertThat(meta.listTags("acme/app", null, 10)).containsExactly("new");
    }

    @Test
    void requestIsLimitedToItsNamespaceAndWellFormed() {
        Digest d = push("acme/app", "a", null);
        assertThatThrownBy(() -> images.delete(CALLER, "acme", new DeleteImagesRequest(false, null,
                List.of(new ManifestRef("other/app", d.toString())), null)))
                .isInstanceOfSatisfying(ImageException.class, e -> assertThat(e.field()).isEqualTo("manifests"));
        assertThatThrownBy(() -> images.delete(CALLER, "acme", new DeleteImagesRequest(false, null,
                List.of(new ManifestRef("app", "sha256:xyz")), null))).hasMessageContaining("not a digest");
        assertThatThrownBy(() -> images.delete(CALLER, "acme", new DeleteImagesRequest(false, null, List.of(), null)))
                .hasMessageContaining("at least one");
        assertThatThrownBy(() -> images.delete(CALLER, "acme", new DeleteImagesRequest(false, null,
                List.of(new ManifestRef("app", d.toString())),
                List.of(new IgnoredWarning("app", d.toString(), "is_sleeping", null)))))
                .hasMessageContaining("is_active or current_tag");
        assertThatThrownBy(() -> images.delete(CALLER, "acme", new DeleteImagesRequest(false, "last week",
                List.of(new ManifestRef("app", d.toString())), null))).hasMessageContaining("RFC 3339");
    }
}
