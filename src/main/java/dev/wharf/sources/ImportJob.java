package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.Action;
import dev.wharf.auth.Principal;
import dev.wharf.auth.User;
import dev.wharf.content.BlobService;
import dev.wharf.content.ManifestService;
import dev.wharf.content.RegistryException;
import dev.wharf.content.UploadService;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobFailure;
import dev.wharf.jobs.JobHandler;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.MetadataStore;
import dev.wharf.upstream.UpstreamClient;
import dev.wharf.upstream.UpstreamException;
import dev.wharf.upstream.UpstreamManifest;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * Imports an image from a registry origin into {@code <hub>/<identifier>}: an index is copied whole (children
 * first, so the index never references a missing manifest), blobs Wharf already holds are linked rather than
 * downloaded, and every blob streams through {@link UploadService}, which verifies its digest. Re-running is safe:
 * everything is content-addressed.
 */
final class ImportJob implements JobHandler {
    static final String TYPE = "image.import";
    /** Locks striped by digest: one download of a blob at a time on this node. */
    private static final ReentrantLock[] IN_FLIGHT = new ReentrantLock[64];

    static {
        for (int i = 0; i < IN_FLIGHT.length; i++) IN_FLIGHT[i] = new ReentrantLock();
    }

    private final SourceService sources;
    private final ImageStore images;
    private final UploadService uploads;
    private final ManifestService manifests;
    private final MetadataStore meta;
    private final String dockerHubUrl;
    private final Clock clock;
    private final CycleRoutes.Outbound outbound;
    private final AccountService accounts;

    ImportJob(SourceService sources, ImageStore images, UploadService uploads, ManifestService manifests,
            MetadataStore meta, String dockerHubUrl, Clock clock, CycleRoutes.Outbound outbound,
            AccountService accounts) {
        this.outbound = outbound;
        this.accounts = accounts;
        this.sources = sources;
        this.images = images;
        this.uploads = uploads;
        this.manifests = manifests;
        this.meta = meta;
        this.dockerHubUrl = dockerHubUrl;
        this.clock = clock;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void run(Job job, JobContext ctx) {
        String imageId = job.input().path("image_id").asText();
        ImageStore.Image image = images.find(job.hub(), imageId).filter(i -> !"deleting".equals(i.state()))
                .orElseThrow(() -> JobFailure.permanent("the image was deleted"));
        ImageSource source = sources.findForJob(job.hub(), image.sourceId())
                .orElseThrow(() -> JobFailure.permanent("the image source was deleted"));
        ImportTarget target;
        try {
            com.fasterxml.jackson.databind.node.ObjectNode origin = sources.revealedOrigin(source);
            // POST /v1/images may override the source's target for this one image.
            if (image.override() != null && image.override().hasNonNull("target")
                    && origin.path("details") instanceof com.fasterxml.jackson.databind.node.ObjectNode details) {
                details.put("target", image.override().get("target").asText());
            }
            target = ImportTarget.of(origin, dockerHubUrl);
        } catch (CycleException e) {
            throw JobFailure.permanent(e.getMessage());
        }
        String repo = image.repository();
        try {
            images.state(imageId, "downloading", null, clock.millis());
            ctx.step("Download", "Fetching " + target.repository() + ":" + target.reference() + " from " + target.url());
            UpstreamClient client = new UpstreamClient(outbound.http(), target.url(), target.repository(),
                    target.credentials(), ManifestService.MAX_MANIFEST_BYTES, target.allowPlainHttp());
            BlobService.PullCheck readable = readableBy(source.creatorUserId(), job.creatorUserId());
            UpstreamManifest top = client.manifest(target.reference());
            List<UpstreamManifest> children = new ArrayList<>();
            List<JsonNode> layerSets = new ArrayList<>();
            JsonNode topJson = parse(top, target.repository() + ":" + target.reference());
            if (topJson.has("manifests")) {
                for (JsonNode m : topJson.path("manifests")) {
                    UpstreamManifest child = client.manifest(m.path("digest").asText());
                    children.add(child);
                    layerSets.add(parse(child, target.repository() + "@" + child.digest()));
                }
            } else {
                layerSets.add(topJson);
            }
            List<JsonNode> descriptors = new ArrayList<>();
            for (JsonNode m : layerSets) {
                if (m.has("config")) descriptors.add(m.get("config"));
                m.path("layers").forEach(descriptors::add);
            }
            long total = descriptors.stream().mapToLong(d -> d.path("size").asLong(0)).sum();
            long done = 0;
            int count = 0;
            for (JsonNode d : descriptors) {
                ctx.checkCancelled();
                long before = done;
                int layersDone = count;
                // Progress inside a blob too: a large layer otherwise shows no movement for minutes.
                copyBlob(client, repo, readable, d.path("digest").asText(),
                        n -> {
                            ctx.checkCancelled(); // inside a blob too, so a cancelled large import stops promptly
                            ctx.progress(before + n, total, layersDone, descriptors.size());
                        }, ctx);
                done += d.path("size").asLong(0);
                ctx.progress(done, total, ++count, descriptors.size());
            }
            images.state(imageId, "verifying", null, clock.millis());
            ctx.step("Verify", "Every blob's digest was checked as it was stored");
            images.state(imageId, "saving", null, clock.millis());
            ctx.step("Save", "Storing manifests under " + repo + ":" + target.tag());
            long manifestBytes = top.content().length;
            for (UpstreamManifest child : children) {
                manifests.put(repo, child.digest(), child.mediaType(), child.content());
                manifestBytes += child.content().length;
            }
            manifests.put(repo, target.tag(), top.mediaType(), top.content());
            ctx.output("digest", top.digest());
            ctx.output("repository", repo + ":" + target.tag());
            images.imported(imageId, target.tag(), top.digest(), total + manifestBytes, clock.millis());
        } catch (UpstreamException e) {
            throw e.isTransient() ? JobFailure.transientError(e.getMessage(), e, e.retryAfter().orElse(null))
                    : JobFailure.permanent(e.getMessage());
        } catch (RegistryException e) {
            throw JobFailure.permanent("the upstream image was refused: " + e.getMessage());
        }
    }

    /**
     * The manifest's JSON; anything else is a permanent failure with a message of Wharf's own (retrying cannot
     * make it JSON, and the bytes are the peer's, not to be shown).
     */
    private static JsonNode parse(UpstreamManifest manifest, String what) {
        try {
            JsonNode node = Json.MAPPER.readTree(manifest.content());
            if (node != null && node.isObject()) return node;
        } catch (IOException e) {
            // falls through to the failure below
        }
        throw JobFailure.permanent("the upstream's manifest " + what + " is not a JSON manifest or index");
    }

    private void copyBlob(UpstreamClient client, String repo, BlobService.PullCheck readable, String digestText,
            LongConsumer bytesRead, JobContext ctx) {
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (RuntimeException e) {
            throw JobFailure.permanent("the upstream manifest names an invalid digest: " + digestText);
        }
        if (meta.linkedBlobSize(repo, digest).isPresent()) return;
        // Two imports of sources sharing base layers would otherwise both download a layer neither has yet: the
        // second waits for the first and then links what it stored. (Per node; across nodes both may download,
        // and the blob is still stored once, since storage is content-addressed.)
        ReentrantLock lock = IN_FLIGHT[Math.floorMod(digest.hashCode(), IN_FLIGHT.length)];
        try {
            while (!lock.tryLock(500, TimeUnit.MILLISECONDS)) ctx.checkCancelled();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobFailure.permanent("the server is stopping");
        }
        try {
            copyUnlocked(client, repo, readable, digest, bytesRead);
        } finally {
            lock.unlock();
        }
    }

    private void copyUnlocked(UpstreamClient client, String repo, BlobService.PullCheck readable, Digest digest,
            LongConsumer bytesRead) {
        if (meta.linkedBlobSize(repo, digest).isPresent()) return;
        // Held by a repository the accounts behind this import may pull: link, do not download again. Only then:
        // an upstream manifest naming a digest proves nothing about holding its bytes, so any other blob is
        // fetched from the upstream and verified. A mount, not a bare link, so a blob the garbage collector is
        // deleting is downloaded again instead of linked.
        if (outbound.blobs().mountFromReadable(repo, digest, readable)) return;
        try (InputStream in = new ProgressInputStream(client.blob(digest.toString()), bytesRead)) {
            uploads.uploadWhole(repo, digest, in);
        } catch (IOException e) {
            throw JobFailure.transientError("connection lost while downloading " + digest, e);
        } catch (java.io.UncheckedIOException e) {
            throw JobFailure.transientError("connection lost while downloading " + digest, e);
        } catch (RegistryException e) {
            throw JobFailure.permanent("blob " + digest + " did not match its digest");
        }
    }

    /**
     * Whether every account behind this import may pull a repository: the source's creator and the one who
     * started the import (an editor may have changed the source's origin, so the creator's rights alone are not
     * enough). A deleted account counts as anonymous: public repositories only.
     */
    private BlobService.PullCheck readableBy(long... userIds) {
        List<Principal> principals = java.util.Arrays.stream(userIds).distinct()
                .mapToObj(id -> accounts.findUser(id).<Principal>map(User::principal).orElse(Principal.ANONYMOUS))
                .toList();
        return repository -> principals.stream()
                .allMatch(p -> outbound.access().registryAllowed(p, repository).contains(Action.PULL));
    }

    @Override
    public void failed(Job job, String message) {
        images.failed(job.input().path("image_id").asText(), message, clock.millis());
    }
}
