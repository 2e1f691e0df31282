package dev.wharf.images;

import dev.wharf.auth.Action;
import dev.wharf.auth.Principal;
import dev.wharf.model.Digest;
import dev.wharf.model.RepositoryName;
import dev.wharf.storage.meta.Counted;
import dev.wharf.storage.meta.ImageQuery;
import dev.wharf.storage.meta.ImageRecord;
import dev.wharf.storage.meta.ImageSummary;
import dev.wharf.storage.meta.ImageTag;
import dev.wharf.storage.meta.MetadataStore;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * The image-management rules of the Hub API, without HTTP: the summary and list of a repository's images with
 * their activity, an image's current and historical tags, and bulk deletion ({@link BulkDelete}).
 *
 * <p>An image is a manifest that no index in its repository lists; it is active when it was pushed or pulled at or
 * after {@code active_from} (default: one month before now). Repositories are addressed as Docker Hub does, a
 * namespace and a name inside it; a repository the caller cannot pull does not exist for them.
 */
public final class ImageService {
    public static final int MAX_PAGE_SIZE = 100;
    public static final int DEFAULT_PAGE_SIZE = 10;

    private final MetadataStore meta;
    private final ImageAccess access;
    private final Clock clock;
    private final BulkDelete bulkDelete;

    public ImageService(MetadataStore meta, ImageAccess access, Clock clock) {
        this.meta = meta;
        this.access = access;
        this.clock = clock;
        this.bulkDelete = new BulkDelete(meta, access, clock);
    }

    public ImagesSummary summary(Principal caller, String namespace, String repository, String activeFrom) {
        Instant from = ActiveFrom.parse(activeFrom, clock);
        ImageSummary s = meta.imageSummary(visibleRepository(caller, namespace, repository), from);
        return new ImagesSummary(from, s.total(), s.active(), s.inactive());
    }

    public Paged<Image> list(Principal caller, String namespace, String repository, ImageListRequest request) {
        requirePage(request.page(), request.pageSize());
        ImageQuery.Status status = switch (request.status()) {
            case null -> null;
            case "active" -> ImageQuery.Status.ACTIVE;
            case "inactive" -> ImageQuery.Status.INACTIVE;
            default -> throw ImageException.invalid("status", "status must be 'active' or 'inactive'");
        };
        ImageQuery.Order order = switch (request.ordering()) {
            case null -> ImageQuery.Order.LAST_ACTIVITY_DESC;
            case "last_activity" -> ImageQuery.Order.LAST_ACTIVITY;
            case "-last_activity" -> ImageQuery.Order.LAST_ACTIVITY_DESC;
            case "digest" -> ImageQuery.Order.DIGEST;
            case "-digest" -> ImageQuery.Order.DIGEST_DESC;
            default -> throw ImageException.invalid("ordering",
                    "ordering must be one of last_activity, -last_activity, digest, -digest");
        };
        Instant from = ActiveFrom.parse(request.activeFrom(), clock);
        String full = visibleRepository(caller, namespace, repository);
        Counted<ImageRecord> found = meta.listImages(new ImageQuery(full, from, status, request.currentlyTagged(),
                order, offset(request.page(), request.pageSize()), request.pageSize()));
        List<Image> images = found.items().stream()
                .map(i -> new Image(namespace, repository, i.digest(), i.tags(), i.pushedAt(), i.lastPulled(),
                        !i.lastActivity().isBefore(from)))
                .toList();
        return new Paged<>(found.total(), request.page(), request.pageSize(), images);
    }

    /** Current tags of the image first, then the tags that pointed at it once; 404 for an unknown image. */
    public Paged<ImageTag> tags(Principal caller, String namespace, String repository, String digest, int page,
            int pageSize) {
        requirePage(page, pageSize);
        Digest parsed = parseDigest("digest", digest);
        String full = visibleRepository(caller, namespace, repository);
        if (meta.getManifest(full, parsed).isEmpty()) throw ImageException.notFound("image not found: " + digest);
        Counted<ImageTag> found = meta.imageTags(full, parsed, offset(page, pageSize), pageSize);
        return new Paged<>(found.total(), page, pageSize, found.items());
    }

    public DeleteImagesReport delete(Principal caller, String namespace, DeleteImagesRequest request) {
        return bulkDelete.run(caller, namespace, request);
    }

    /** The full repository name if it exists and the caller may pull it; otherwise NOT_FOUND, whichever it is. */
    private String visibleRepository(Principal caller, String namespace, String repository) {
        String full = namespace + "/" + repository;
        if (!RepositoryName.isValid(full)
                || !access.allowed(caller, full).contains(Action.PULL) || meta.findRepository(full).isEmpty()) {
            throw ImageException.notFound("repository not found: " + full);
        }
        return full;
    }

    static Digest parseDigest(String field, String digest) {
        try {
            return Digest.parse(digest);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ImageException.invalid(field, "not a digest (algorithm:hex, sha256 or sha512): '" + digest + "'");
        }
    }

    private static void requirePage(int page, int pageSize) {
        if (page < 1) throw ImageException.invalid("page", "page must be 1 or more");
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw ImageException.invalid("page_size", "page_size must be between 1 and " + MAX_PAGE_SIZE);
        }
    }

    /** Pages far beyond the end just come back empty, so the offset saturates instead of overflowing. */
    private static int offset(int page, int pageSize) {
        return (int) Math.min(Integer.MAX_VALUE, (long) (page - 1) * pageSize);
    }
}
