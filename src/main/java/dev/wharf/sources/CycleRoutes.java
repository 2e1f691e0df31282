package dev.wharf.sources;

import dev.wharf.auth.AccessControl;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.SecretBox;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.content.BlobService;
import dev.wharf.content.ManifestService;
import dev.wharf.content.UploadService;
import dev.wharf.sources.build.BuildGate;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.meta.MetadataStore;
import dev.wharf.jobs.JobHandler;
import dev.wharf.jobs.JobStore;
import dev.wharf.storage.meta.Database;
import dev.wharf.http.RequestText;
import dev.wharf.upstream.OutboundHttp;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The Cycle-compatible {@code /v1/} surface: image sources, images and jobs, with one error writer. Built by
 * the app package, which also runs the job handlers this surface defines in its worker pool.
 */
public final class CycleRoutes {

    private final SourcesEndpoint sources;
    private final JobsEndpoint jobs;
    private final List<JobHandler> handlers = new ArrayList<>();
    private final ImagesEndpoint images;
    private final UploadEndpoint upload;

    /** What imports write through: the registry's own services and stores. */
    public record Content(UploadService uploads, ManifestService manifests, BlobStore blobs, MetadataStore meta) {}

    /**
     * Dockerfile builds: where their per-job directories live ({@code <data_dir>/builds}), how long one may take,
     * the Git transports a repository URL may use, whether builds run here (and in which sandbox), and this node's
     * registry as a build reaches it ({@code 127.0.0.1:<port>}, known once the server listens). The gate is asked
     * when a build is first requested: its sandbox self-check runs while the server starts, not before it listens.
     */
    public record Builds(Path workRoot, Duration timeout, List<String> gitProtocols, Supplier<BuildGate> gate,
            Supplier<String> localRegistry, long reserveBytes) {}

    /**
     * What imports and builds reach out with, and the rules their blob links follow: the outbound HTTP client
     * (and its policy, also applied to git), the registry's blob service (the one path for mounts), and access
     * control (whether the accounts behind an import may pull the repository a blob would be linked from).
     */
    public record Outbound(OutboundHttp http, BlobService blobs, AccessControl access) {}

    /**
     * @param dockerHubUrl base URL docker-hub origins pull from (Docker Hub's registry, or a mirror)
     * @param uploadMaxBytes largest image tarball a cycle-upload source accepts
     */
    public CycleRoutes(Database database, AccountService accounts, SessionTokens sessions, SecretBox box,
            JobStore jobStore, Content content, String dockerHubUrl, long uploadMaxBytes, Builds builds, Clock clock,
            Runnable wakeWorkers, Outbound outbound) {
        HubGate gate = new HubGate(sessions, accounts);
        SourceService service = new SourceService(new SourceStore(database), jobStore, box, clock, builds.gate());
        ImageStore imageStore = new ImageStore(database);
        SourceView sourceView = new SourceView(accounts);
        this.sources = new SourcesEndpoint(service, sourceView, gate, wakeWorkers);
        this.jobs = new JobsEndpoint(jobStore, sourceView, gate);
        BuildLogStore buildLogs = new BuildLogStore(database);
        this.images = new ImagesEndpoint(service, sourceView, imageStore, jobStore, buildLogs, gate, wakeWorkers,
                clock);
        this.upload = new UploadEndpoint(service, imageStore, jobStore, content.blobs(), gate, wakeWorkers,
                uploadMaxBytes);
        handlers.add(new SourceDeleteJob(database, clock));
        TarballImporter importer = new TarballImporter(imageStore, content.uploads(), content.manifests(),
                content.meta(), clock);
        handlers.add(new TarballImportJob(imageStore, importer, content.blobs(), clock));
        ImageDeleteJob imageDelete = new ImageDeleteJob(imageStore, content.manifests(), clock);
        handlers.add(imageDelete);
        handlers.add(new PruneJob(imageStore, imageDelete, clock));
        handlers.add(new BuildJob(service, imageStore, buildLogs, importer, content.blobs(), new BuildJob.Settings(
                builds.workRoot(), builds.timeout(), builds.gitProtocols(), uploadMaxBytes, builds.gate(),
                builds.localRegistry(), outbound.http(), builds.reserveBytes()), clock));
        handlers.add(new ImportJob(service, imageStore, content.uploads(), content.manifests(), content.meta(),
                dockerHubUrl, clock, outbound, accounts));
    }

    public void register(JavalinConfig config) {
        // NUL or invalid UTF-8 in any string of a /v1/ request: Cycle's 400 before any handler reads it. An upload's
        // body is a tarball, whatever Content-Type the client put on it: never read as text here (reading it would
        // also leave the upload handler an empty stream).
        config.routes.before("/v1/*", ctx -> RequestText.check(ctx, !UploadEndpoint.isUpload(ctx.path())).ifPresent(p -> {
            throw new CycleException(CycleError.INVALID_INPUT, p.message());
        }));
        sources.register(config);
        jobs.register(config);
        images.register(config);
        upload.register(config);
    }

    /** The job handlers this surface needs a worker pool to run. */
    public List<JobHandler> jobHandlers() {
        return List.copyOf(handlers);
    }

    public static boolean owns(String path) {
        return path.startsWith("/v1/");
    }

    /** Writes Cycle's error envelope; anything not a CycleException is a 500 with no details on the wire. */
    public void handleError(Context ctx, Exception e) {
        CycleHttp.error(ctx, e instanceof CycleException ce ? ce : unexpected(ctx.method() + " " + ctx.path(), e));
    }

    /**
     * A failure no rule mapped: a full disk or an unreachable store as such, anything else an internal error (see
     * StorageFailure.answer).
     */
    static CycleException unexpected(String request, Exception e) {
        return dev.wharf.storage.StorageFailure.answer(request, e, d -> new CycleException(switch (d.kind()) {
                    case FULL -> CycleError.STORAGE_FULL;
                    case UNREACHABLE -> CycleError.STORAGE_UNREACHABLE;
                }, d.message()),
                () -> new CycleException(CycleError.INTERNAL, "internal error; see the server log"));
    }
}
