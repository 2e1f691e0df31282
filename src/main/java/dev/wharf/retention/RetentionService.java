package dev.wharf.retention;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.audit.AuditWriter;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobStore;
import dev.wharf.storage.meta.DeleteGuard;
import dev.wharf.storage.meta.ImageDeletion;
import dev.wharf.storage.meta.ImmutableTags;
import dev.wharf.storage.meta.MetadataStore;
import dev.wharf.model.Digest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Retention (docs/hub-api.md, "Retention"): which tagged images a policy lets go, a preview of exactly that, and
 * runs that delete it as persistent jobs. Untagged images (and the children of a deleted index) are left to
 * garbage collection, as after any delete.
 *
 * <p>Kept, whatever else: the {@code keepLast} most recently pushed tagged images; images pushed or pulled within
 * {@code keepPulledDays}; images with a tag matching {@code keepTags} or protected by the repository's immutable
 * tags; tagged images referring (OCI subject) to a kept image. Images an index lists are part of that index, never
 * candidates. Everything else that is tagged is a candidate.
 */
public final class RetentionService {
    public static final String JOB_TYPE = "retention.run";
    static final String JOB_HUB = "";

    private final RetentionStore store;
    private final MetadataStore meta;
    private final JobStore jobs;
    private final ObjectMapper json;
    private final Clock clock;

    public RetentionService(RetentionStore store, MetadataStore meta, JobStore jobs, ObjectMapper json, Clock clock) {
        this.store = store;
        this.meta = meta;
        this.jobs = jobs;
        this.json = json;
        this.clock = clock;
    }

    public RetentionStore store() {
        return store;
    }

    /**
     * The plans of a scope: one repository ({@code repository} = full name, its own policy or its namespace's) or
     * every repository of a namespace ({@code repository} = "", each under its effective policy). Repositories
     * without a policy have no plan.
     */
    public List<RetentionPlan> preview(String namespace, String repository) {
        Instant now = clock.instant();
        List<RetentionPlan> plans = new ArrayList<>();
        for (String repo : repository.isEmpty() ? store.repositories(namespace) : List.of(repository)) {
            store.effective(namespace, repo).ifPresent(p -> plans.add(plan(repo, p, now)));
        }
        return plans;
    }

    RetentionPlan plan(String repository, RetentionPolicy policy, Instant now) {
        List<RetentionStore.ImageRow> images = store.images(repository); // newest push first
        ImmutableTags immutable = meta.immutableTags(repository);
        Pattern keepTags = policy.tagPattern();
        Instant pulledCutoff = policy.keepPulledDays() == null ? null
                : now.minus(Duration.ofDays(policy.keepPulledDays()));
        Set<String> kept = new HashSet<>();
        int tagged = 0;
        for (RetentionStore.ImageRow image : images) {
            if (image.tags().isEmpty()) continue;
            tagged++;
            boolean keep = policy.keepLast() != null && tagged <= policy.keepLast();
            Instant activity = image.lastPulled() != null && image.lastPulled().isAfter(image.pushedAt())
                    ? image.lastPulled() : image.pushedAt();
            keep |= pulledCutoff != null && !activity.isBefore(pulledCutoff);
            for (String tag : image.tags()) {
                keep |= immutable.protects(tag) || keepTags != null && keepTags.matcher(tag).matches();
            }
            if (keep) kept.add(image.digest());
        }
        // Referrers of a kept image stay with it (repeated: a signature of a kept SBOM of a kept image).
        for (boolean changed = true; changed; ) {
            changed = false;
            for (RetentionStore.ImageRow image : images) {
                if (!image.tags().isEmpty() && image.subject() != null && kept.contains(image.subject())
                        && kept.add(image.digest())) {
                    changed = true;
                }
            }
        }
        List<RetentionPlan.Candidate> candidates = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        for (RetentionStore.ImageRow image : images) {
            if (image.tags().isEmpty() || kept.contains(image.digest())) continue;
            candidates.add(new RetentionPlan.Candidate(image.digest(), image.tags(), image.pushedAt(),
                    image.lastPulled()));
            ids.add(image.id());
        }
        return new RetentionPlan(repository, now, images.size(), candidates,
                store.bytesOnlyReferencedBy(repository, ids));
    }

    /** What a run did. */
    public record Outcome(int imagesDeleted, int tagsDeleted, int imagesKeptAfterChange, long bytesFreed) {}

    /**
     * Candidates deleted per transaction. Each deletion is still the store's own, with its guard, tag history and
     * audit rows; a batch shares the transaction's begin and commit (and, on PostgreSQL, holds its rows' locks
     * until the batch commits, which is why batches stay small).
     */
    static final int BATCH_SIZE = 250;

    /**
     * Deletes a plan's candidates with the same guard as delete-images: an image pushed, pulled or tagged anew
     * since the plan was made is kept. Deletions go {@link #BATCH_SIZE} to a transaction, in digest order within a
     * batch (the order in which pushes and other deleters lock manifests). Each deletion is audited by the store in
     * the deleting transaction ({@code repo.tag.delete} per tag, {@code repo.manifest.delete}; each with its
     * webhooks).
     */
    Outcome execute(RetentionPlan plan) {
        return execute(plan, BATCH_SIZE);
    }

    Outcome execute(RetentionPlan plan, int batchSize) {
        int images = 0, tags = 0, keptAfterChange = 0;
        List<RetentionPlan.Candidate> all = plan.candidates();
        for (int from = 0; from < all.size(); from += batchSize) {
            List<RetentionPlan.Candidate> batch = new ArrayList<>(all.subList(from, Math.min(all.size(),
                    from + batchSize)));
            batch.sort(java.util.Comparator.comparing(RetentionPlan.Candidate::digest));
            List<ImageDeletion> done;
            try {
                done = store.inOneTransaction(() -> batch.stream().map(c -> delete(plan, c)).toList());
            } catch (RuntimeException e) {
                // A batch aborted as a whole (on PostgreSQL, a deadlock with a writer locking the same rows in
                // another order): nothing of it was committed, so the same deletions go again one by one.
                done = batch.stream().map(c -> delete(plan, c)).toList();
            }
            for (ImageDeletion d : done) {
                if (d.result() == ImageDeletion.Result.DELETED) {
                    images++;
                    tags += d.deletedTags().size();
                } else {
                    keptAfterChange++;
                }
            }
        }
        return new Outcome(images, tags, keptAfterChange, keptAfterChange == 0 ? plan.bytesFreed() : -1);
    }

    private ImageDeletion delete(RetentionPlan plan, RetentionPlan.Candidate c) {
        return meta.deleteImage(plan.repository(), Digest.parse(c.digest()),
                new DeleteGuard(plan.planAt(), Set.copyOf(c.tags())), clock.instant());
    }

    /** Queues a run of a scope as a persistent job; any node's worker runs it once (the job lease). */
    public Job submitRun(String namespace, String repository) {
        return jobs.submit(JOB_HUB, JOB_TYPE, caption(namespace, repository), input(namespace, repository), 3, 0);
    }

    private ObjectNode input(String namespace, String repository) {
        return json.createObjectNode().put("namespace", namespace).put("repository", repository);
    }

    private static String caption(String namespace, String repository) {
        return "retention run of " + (repository.isEmpty() ? namespace : repository);
    }

    /** A scope's runs, newest first (its caption names the scope: a repository's full name has a slash). */
    public List<Job> runs(String namespace, String repository, long offset, int limit) {
        return store.runIds(caption(namespace, repository), offset, limit).stream()
                .flatMap(id -> jobs.find(id).stream()).toList();
    }

    public long runCount(String namespace, String repository) {
        return store.runCount(caption(namespace, repository));
    }

    public Optional<Job> run(String id) {
        return jobs.find(id).filter(j -> j.type().equals(JOB_TYPE));
    }

    /** Submits runs of policies whose interval came round; the conditional claim makes one node submit each. */
    public int submitDue() {
        return store.claimDue(clock.instant(), (h, due) -> jobs.submit(h, JOB_HUB, JOB_TYPE, caption(due[0], due[1]),
                input(due[0], due[1]), 3, 0));
    }

    static String namespaceOf(String repository) {
        return AuditWriter.namespaceOf(repository);
    }
}
