package dev.wharf.images;

import dev.wharf.auth.Action;
import dev.wharf.auth.Principal;
import dev.wharf.images.DeleteImagesReport.Metrics;
import dev.wharf.images.DeleteImagesReport.Problem;
import dev.wharf.images.DeleteImagesRequest.IgnoredWarning;
import dev.wharf.images.DeleteImagesRequest.ManifestRef;
import dev.wharf.model.Digest;
import dev.wharf.model.RepositoryName;
import dev.wharf.storage.meta.DeleteGuard;
import dev.wharf.storage.meta.ImageDeletion;
import dev.wharf.storage.meta.ManifestRecord;
import dev.wharf.storage.meta.MetadataStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code delete-images}: check every requested manifest first, delete only when nothing is wrong.
 *
 * <p>Errors ({@code not_found}, {@code unauthorized}, {@code child_manifest}) cannot be ignored; warnings
 * ({@code is_active}, {@code current_tag}) can, by repeating them in {@code ignore_warnings}. Any error or
 * un-ignored warning refuses the whole request. Otherwise each manifest is deleted in a transaction of its own
 * with its tags, and the decision travels into that transaction as a {@link DeleteGuard}: an image that became
 * active, or gained a tag nobody accepted, between the check and the delete is kept and counted as an error.
 * An index's children cannot be named (child_manifest), so deleting never makes an index sparse (one may have
 * been pushed sparse, listing children the repository never held); deleting an index leaves its children, which
 * become images of their own.
 */
final class BulkDelete {
    private static final Logger log = LoggerFactory.getLogger(BulkDelete.class);
    /** Bounds one request's work (each manifest is a few queries and a transaction). */
    static final int MAX_MANIFESTS = 1000;
    static final Set<String> WARNINGS = Set.of("is_active", "current_tag");

    private record Key(String repository, Digest digest) {}

    private record Planned(Key key, List<String> tags, DeleteGuard guard) {}

    private final MetadataStore meta;
    private final ImageAccess access;
    private final Clock clock;

    BulkDelete(MetadataStore meta, ImageAccess access, Clock clock) {
        this.meta = meta;
        this.access = access;
        this.clock = clock;
    }

    DeleteImagesReport run(Principal caller, String namespace, DeleteImagesRequest request) {
        Instant activeFrom = ActiveFrom.parse(request.activeFrom(), clock);
        if (request.manifests().isEmpty()) throw ImageException.invalid("manifests", "list at least one manifest");
        if (request.manifests().size() > MAX_MANIFESTS) {
            throw ImageException.invalid("manifests", "at most " + MAX_MANIFESTS + " manifests per request");
        }
        Map<Key, ManifestRef> requested = new LinkedHashMap<>(); // duplicates are one manifest
        for (ManifestRef ref : request.manifests()) {
            requested.putIfAbsent(key(namespace, ref.repository(), ref.digest(), "manifests"), ref);
        }
        Map<Key, Map<String, IgnoredWarning>> ignored = new HashMap<>();
        for (IgnoredWarning w : request.ignoreWarnings()) {
            if (!WARNINGS.contains(w.warning())) {
                throw ImageException.invalid("ignore_warnings", "warning must be is_active or current_tag");
            }
            ignored.computeIfAbsent(key(namespace, w.repository(), w.digest(), "ignore_warnings"), k -> new HashMap<>())
                    .put(w.warning(), w);
        }

        List<Problem> errors = new ArrayList<>();
        List<Problem> warnings = new ArrayList<>();
        List<Planned> plan = new ArrayList<>();
        for (Map.Entry<Key, ManifestRef> e : requested.entrySet()) {
            Key key = e.getKey();
            ManifestRef ref = e.getValue();
            Optional<String> error = error(caller, key);
            if (error.isPresent()) {
                errors.add(new Problem(ref.repository(), ref.digest(), error.get(), null));
                continue;
            }
            ManifestRecord manifest = meta.getManifest(key.repository, key.digest).orElseThrow();
            Instant lastActivity = manifest.lastPulled() != null && manifest.lastPulled().isAfter(manifest.pushedAt())
                    ? manifest.lastPulled() : manifest.pushedAt();
            List<String> tags = meta.tagsOf(key.repository, key.digest);
            Map<String, IgnoredWarning> accepted = ignored.getOrDefault(key, Map.of());
            IgnoredWarning activeOk = accepted.get("is_active");
            IgnoredWarning tagsOk = accepted.get("current_tag");
            if (!lastActivity.isBefore(activeFrom) && activeOk == null) {
                warnings.add(new Problem(ref.repository(), ref.digest(), "is_active", null));
            }
            if (!tags.isEmpty() && (tagsOk == null || tagsOk.tags() != null && !tagsOk.tags().containsAll(tags))) {
                warnings.add(new Problem(ref.repository(), ref.digest(), "current_tag", tags));
            }
            // Whatever was not accepted must still be true when the row is deleted.
            Set<String> allowedTags = tagsOk == null ? Set.of() : tagsOk.tags() == null ? null : Set.copyOf(tagsOk.tags());
            plan.add(new Planned(key, tags, new DeleteGuard(activeOk == null ? activeFrom : null, allowedTags)));
        }
        if (!errors.isEmpty() || !warnings.isEmpty()) {
            return new DeleteImagesReport(request.dryRun(), errors, warnings, new Metrics(0, 0, 0, 0));
        }
        return new DeleteImagesReport(request.dryRun(), List.of(), List.of(),
                request.dryRun() ? dryRunMetrics(plan) : delete(plan));
    }

    /** The error that stops this manifest from being deleted, if any; a hidden repository is simply not found. */
    private Optional<String> error(Principal caller, Key key) {
        if (!RepositoryName.isValid(key.repository)) return Optional.of("not_found");
        Set<Action> allowed = access.allowed(caller, key.repository);
        if (!allowed.contains(Action.PULL) || meta.getManifest(key.repository, key.digest).isEmpty()) {
            return Optional.of("not_found");
        }
        if (!allowed.contains(Action.DELETE)) return Optional.of("unauthorized");
        if (!meta.indexesReferencing(key.repository, key.digest).isEmpty()) return Optional.of("child_manifest");
        return Optional.empty();
    }

    private static Metrics dryRunMetrics(List<Planned> plan) {
        return new Metrics(plan.size(), 0, plan.stream().mapToInt(p -> p.tags.size()).sum(), 0);
    }

    private Metrics delete(List<Planned> plan) {
        int manifestDeletes = 0, manifestErrors = 0, tagDeletes = 0, tagErrors = 0;
        for (Planned p : plan) {
            ImageDeletion done = meta.deleteImage(p.key.repository, p.key.digest, p.guard, clock.instant());
            if (done.result() == ImageDeletion.Result.DELETED) {
                manifestDeletes++;
                tagDeletes += done.deletedTags().size();
            } else {
                // Changed since it was checked (pulled, tagged, listed by a new index, deleted by someone else).
                log.info("kept {}@{}: {}", p.key.repository, p.key.digest, done.result());
                manifestErrors++;
                tagErrors += p.tags.size();
            }
        }
        return new Metrics(manifestDeletes, manifestErrors, tagDeletes, tagErrors);
    }

    /**
     * The full repository name of a request entry: a name inside the path's namespace, or a full name in it. The
     * request is limited to one namespace, so a full name elsewhere is refused outright.
     */
    private static Key key(String namespace, String repository, String digest, String field) {
        if (repository == null || repository.isEmpty()) throw ImageException.invalid(field, "repository is required");
        String name = repository;
        if (repository.contains("/")) {
            if (!repository.startsWith(namespace + "/")) {
                throw ImageException.invalid(field, "this request deletes images of namespace '" + namespace
                        + "' only, not of '" + repository + "'");
            }
            name = repository.substring(namespace.length() + 1);
        }
        return new Key(namespace + "/" + name, ImageService.parseDigest(field, digest));
    }
}
