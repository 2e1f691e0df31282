package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.jobs.Job;
import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobFailure;
import dev.wharf.jobs.JobHandler;
import dev.wharf.sources.build.BaseImagePolicy;
import dev.wharf.sources.build.BaseImages;
import dev.wharf.sources.build.BuildGate;
import dev.wharf.sources.build.DiskWatch;
import dev.wharf.sources.build.Sandbox;
import dev.wharf.sources.build.Trees;
import dev.wharf.storage.DiskReserve;
import dev.wharf.storage.blob.BlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the image of a {@code docker-file} source with buildah and imports it into
 * {@code <hub>/<identifier>:latest}. The build context comes from the source's Git repository, its
 * {@code targz_url}, the image's {@code override.targz_url}, or a tarball uploaded for the image
 * ({@link BuildContext}). Everything happens in a per-job directory under {@code <data_dir>/builds}: the context,
 * buildah's own storage (vfs driver, so no kernel overlay support is needed) and the exported OCI archive, which
 * {@link TarballImporter} then verifies and stores like an upload. The directory is removed when the attempt ends.
 * buildah's output is the image's build log, kept bounded ({@link BuildLog}) and saved as the build goes.
 *
 * <p>Everything that touches the build's input runs in the build {@link Sandbox} ({@link BuildSteps}): the base
 * images named by the Dockerfile are pulled first (the only step with network, and it runs no user code), then
 * {@code buildah bud --pull=never --isolation chroot} runs the Dockerfile with no network at all, then the image is
 * exported. Builds run only when the node's {@link BuildGate} says the sandbox passed its self-check.
 */
final class BuildJob implements JobHandler {
    static final String TYPE = "image.build";
    private static final Logger log = LoggerFactory.getLogger(BuildJob.class);

    /**
     * @param workRoot where per-job build directories live ({@code <data_dir>/builds})
     * @param timeout longest a whole build (fetch, build, export) may take
     * @param gitProtocols the Git transports a repository URL may use ({@code GIT_ALLOW_PROTOCOL})
     * @param maxContextBytes largest build context downloaded from a {@code targz_url}
     * @param gate whether builds run here, and the sandbox they run in
     * @param localRegistry this node's registry as the sandbox reaches it ({@code 127.0.0.1:<port>}), for base
     *     images stored in Wharf itself; null when unknown
     * @param reserveBytes storage.reserve_bytes: the free space of the data disk a build leaves to the database
     */
    record Settings(Path workRoot, Duration timeout, List<String> gitProtocols, long maxContextBytes,
            Supplier<BuildGate> gate,
            Supplier<String> localRegistry, dev.wharf.upstream.OutboundHttp outbound, long reserveBytes) {}

    private final SourceService sources;
    private final ImageStore images;
    private final BuildLogStore logs;
    private final TarballImporter importer;
    private final BlobStore blobs;
    private final Settings settings;
    private final Clock clock;

    BuildJob(SourceService sources, ImageStore images, BuildLogStore logs, TarballImporter importer, BlobStore blobs,
            Settings settings, Clock clock) {
        this.sources = sources;
        this.images = images;
        this.logs = logs;
        this.importer = importer;
        this.blobs = blobs;
        this.settings = settings;
        this.clock = clock;
        // What a crash left in the builds directory is removed by BuildGate.start, before its self-check (which
        // runs while the server starts) creates its own directory there.
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void run(Job job, JobContext ctx) throws IOException {
        ImageStore.Image image = images.find(job.hub(), job.input().path("image_id").asText())
                .filter(i -> !"deleting".equals(i.state()))
                .orElseThrow(() -> JobFailure.permanent("the image was deleted"));
        ImageSource source = sources.findForJob(job.hub(), image.sourceId())
                .orElseThrow(() -> JobFailure.permanent("the image source was deleted"));
        ObjectNode origin = sources.revealedOrigin(source);
        if (!"docker-file".equals(origin.path("type").asText())) {
            throw JobFailure.permanent("the image source's origin is no longer docker-file");
        }
        String uploadId = job.input().path("upload_id").asText(null);
        if (uploadId != null && blobs.uploadSize(uploadId).isEmpty()) {
            // Discarded by an earlier attempt that made the image live and died before the job was marked done.
            if (job.attempts() > 1 && "live".equals(image.state())) return;
            throw JobFailure.permanent("the uploaded build context is gone (staging expired?); upload it again");
        }
        BuildGate gate = settings.gate().get();
        if (!gate.enabled()) throw JobFailure.permanent(gate.disabledReason());
        Sandbox sandbox = gate.sandbox();
        Path work = settings.workRoot().resolve(job.id());
        BuildLog buildLog = new BuildLog();
        Runnable flush = () -> logs.save(job.hub(), image.id(), buildLog.text(), clock.millis());
        long deadline = System.nanoTime() + settings.timeout().toNanos();
        BuildContext.deleteTree(work); // an earlier attempt of this job on this node
        Trees.createPrivate(settings.workRoot());
        Files.createDirectories(work);
        DiskWatch disk = roomFor(work, sandbox.limits().diskBytes());
        try (Sandbox.Session session = sandbox.open(job.id(), disk.limit())) {
            BuildSteps steps = new BuildSteps(work, session, disk, buildLog, flush, ctx, deadline);
            images.state(image.id(), "building", null, clock.millis());
            flush.run(); // a rebuild starts a fresh log
            JsonNode details = origin.path("details");
            ctx.step("Fetch", "Fetching the build context");
            BuildContext context = new BuildContext(steps, sandbox, buildLog, flush, ctx, deadline, settings);
            Path root = context.fetch(details, image.override(), uploadId == null ? null
                    : () -> blobs.openUpload(uploadId));
            Path contextDir = BuildContext.inside(root, details.path("context_dir").asText(null), "context_dir");
            String buildFile = details.path("build_file").asText(null);
            Path dockerfile = buildFile == null || buildFile.isBlank()
                    ? BuildContext.inside(contextDir, "Dockerfile", "Dockerfile")
                    : BuildContext.inside(root, buildFile, "build_file");
            Map<String, String> buildArgs = new LinkedHashMap<>();
            JsonNode args = image.build() == null ? null : image.build().path("args");
            if (args != null && args.isObject()) {
                args.fields().forEachRemaining(a -> buildArgs.put(a.getKey(), a.getValue().asText()));
            }

            ctx.step("Build", "buildah bud --isolation chroot -f "
                    + (buildFile == null || buildFile.isBlank() ? "Dockerfile" : buildFile) + " (sandboxed)");
            Map<String, String> env = context.buildahEnv(details.path("credentials"));
            sandbox.handOver(work);
            pullBaseImages(steps, dockerfile, buildArgs, env);
            // Registry credentials were for the pulls only: the Dockerfile's steps must not find them.
            Files.deleteIfExists(work.resolve("auth.json"));
            env.remove("REGISTRY_AUTH_FILE");

            String tag = "localhost/wharf-build:" + job.id();
            List<String> bud = new ArrayList<>(BUILDAH);
            bud.addAll(List.of("bud", "--isolation", "chroot", "--pull=never", "-f", steps.inside(dockerfile),
                    "-t", tag));
            buildArgs.forEach((k, v) -> bud.addAll(List.of("--build-arg", k + "=" + v)));
            bud.add(steps.inside(contextDir));
            BuildProcess.Result built = steps.run(bud, env, Sandbox.Network.NONE, "the build");
            if (built.exitCode() != 0) throw JobFailure.permanent("the build failed: " + built.lastError());

            Path archive = work.resolve("image.tar");
            List<String> push = new ArrayList<>(BUILDAH);
            push.addAll(List.of("push", tag, "oci-archive:" + steps.inside(archive)));
            BuildProcess.Result pushed = steps.run(push, env, Sandbox.Network.NONE, "exporting the built image");
            if (pushed.exitCode() != 0) {
                throw JobFailure.permanent("the built image could not be exported: " + pushed.lastError());
            }
            buildLog.line("[wharf] importing the built image into " + image.repository() + ":" + TarballImporter.TAG);
            flush.run();
            importer.importInto(image, () -> Files.newInputStream(archive), ctx);
            if (uploadId != null) blobs.abortUpload(uploadId);
        } catch (JobFailure f) {
            buildLog.line("[wharf] " + f.getMessage());
            throw f;
        } finally {
            try {
                flush.run();
            } catch (RuntimeException e) {
                log.warn("job {}: could not save the build log: {}", job.id(), e.toString());
            }
            BuildContext.deleteTree(work);
        }
    }

    /**
     * The disk the build may use: sources.build_disk_bytes, or what the disk has free above storage.reserve_bytes
     * when that is less. A disk already within the reserve runs no build at all: the build would take the room the
     * database keeps for sign-ins, deletions and GC, which are what frees space again.
     */
    private DiskWatch roomFor(Path work, long configured) throws IOException {
        DiskReserve reserve = DiskReserve.of(work, settings.reserveBytes());
        try {
            reserve.check();
        } catch (DiskReserve.Reached reached) {
            throw JobFailure.permanent("no room for a build on this server's disk (" + reached.getMessage()
                    + "); free space and build again");
        }
        return new DiskWatch(work, configured, reserve);
    }

    /**
     * Pulls the images the Dockerfile names into the build's storage, in the sandbox but with the host's network:
     * the only step that has one, and it runs no code of the build. Registries on loopback or link-local
     * addresses are refused, except this Wharf itself.
     */
    private void pullBaseImages(BuildSteps steps, Path dockerfile, Map<String, String> buildArgs,
            Map<String, String> env) throws IOException {
        if (Files.size(dockerfile) > MAX_DOCKERFILE_BYTES) {
            throw JobFailure.permanent("the Dockerfile is larger than " + MAX_DOCKERFILE_BYTES + " bytes");
        }
        for (String base : BaseImages.of(Files.readString(dockerfile), buildArgs)) {
            String refused = BaseImagePolicy.refusal(base, settings.localRegistry().get());
            if (refused != null) throw JobFailure.permanent("base image " + base + ": " + refused);
            List<String> pull = new ArrayList<>(BUILDAH);
            pull.addAll(List.of("pull", "--quiet", base));
            BuildProcess.Result r = steps.run(pull, env, Sandbox.Network.HOST, "pulling the base image " + base);
            if (r.exitCode() != 0) {
                throw JobFailure.permanent("could not pull the base image " + base + ": " + r.lastError());
            }
        }
    }

    /** buildah with its storage inside the job's directory (the sandbox's /build): nothing shared. */
    private static final List<String> BUILDAH = List.of("buildah", "--root", Sandbox.INSIDE + "/storage",
            "--runroot", Sandbox.INSIDE + "/run", "--storage-driver", "vfs");
    private static final long MAX_DOCKERFILE_BYTES = 1 << 20;

    @Override
    public void failed(Job job, String message) {
        images.failed(job.input().path("image_id").asText(), message, clock.millis());
        String uploadId = job.input().path("upload_id").asText(null);
        if (uploadId == null) return;
        try {
            blobs.abortUpload(uploadId);
        } catch (IOException e) {
            // The staging expiry removes it later.
        }
    }
}
