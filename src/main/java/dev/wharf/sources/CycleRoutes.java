package dev.wharf.sources;

import dev.wharf.auth.AccountService;
import dev.wharf.auth.SecretBox;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.jobs.JobHandler;
import dev.wharf.jobs.JobStore;
import dev.wharf.storage.meta.Database;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Cycle-compatible {@code /v1/} surface: image sources, images and jobs, with one error writer. Built by
 * the app package, which also runs the job handlers this surface defines in its worker pool.
 */
public final class CycleRoutes {
    private static final Logger log = LoggerFactory.getLogger(CycleRoutes.class);

    private final SourcesEndpoint sources;
    private final JobsEndpoint jobs;
    private final List<JobHandler> handlers = new ArrayList<>();
    private final List<Extension> extensions = new ArrayList<>();

    /** More /v1/ endpoints and their job handlers (the images API registers itself through this). */
    public interface Extension {
        void register(JavalinConfig config);
    }

    public CycleRoutes(Database database, AccountService accounts, SessionTokens sessions, SecretBox box,
            JobStore jobStore, Clock clock, Runnable wakeWorkers) {
        HubGate gate = new HubGate(sessions, accounts);
        SourceService service = new SourceService(new SourceStore(database), jobStore, box, clock);
        this.sources = new SourcesEndpoint(service, new SourceView(accounts), gate, wakeWorkers);
        this.jobs = new JobsEndpoint(jobStore, gate);
        handlers.add(new SourceDeleteJob(database, clock));
    }

    public void register(JavalinConfig config) {
        sources.register(config);
        jobs.register(config);
        extensions.forEach(e -> e.register(config));
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
        if (e instanceof CycleException ce) {
            CycleHttp.error(ctx, ce);
            return;
        }
        log.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
        CycleHttp.error(ctx, new CycleException(CycleError.INTERNAL, "internal error; see the server log"));
    }
}
