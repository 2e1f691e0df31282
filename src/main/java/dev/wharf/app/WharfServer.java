package dev.wharf.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.wharf.audit.AuditContext;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.AuthorizationEpoch;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.auth.registry.BearerRegistryAccess;
import dev.wharf.auth.registry.CachedAuthorization;
import dev.wharf.auth.registry.TokenEndpoint;
import dev.wharf.auth.token.SigningKeys;
import dev.wharf.config.BuildSandboxConfig;
import dev.wharf.config.GcConfig;
import dev.wharf.config.RateLimitConfig;
import dev.wharf.config.WharfConfig;
import dev.wharf.console.ConsoleRoutes;
import dev.wharf.content.BlobService;
import dev.wharf.content.ManifestParser;
import dev.wharf.content.ManifestService;
import dev.wharf.content.PullRecorder;
import dev.wharf.content.UploadService;
import dev.wharf.gc.GarbageCollector;
import dev.wharf.gc.GcEndpoint;
import dev.wharf.http.AdminGate;
import dev.wharf.hub.HubRoutes;
import dev.wharf.hub.HubServices;
import dev.wharf.images.ImageAccess;
import dev.wharf.images.ImageService;
import dev.wharf.jobs.Backoff;
import dev.wharf.jobs.JobHandler;
import dev.wharf.jobs.JobStore;
import dev.wharf.jobs.WorkerPool;
import dev.wharf.mirror.MirrorAdmin;
import dev.wharf.mirror.MirrorEndpoint;
import dev.wharf.mirror.MirrorMetrics;
import dev.wharf.mirror.MirrorService;
import dev.wharf.mirror.MirrorStore;
import dev.wharf.mirror.Mirrors;
import dev.wharf.ops.HealthEndpoints;
import dev.wharf.ops.Metrics;
import dev.wharf.quota.NamespaceQuotas;
import dev.wharf.quota.QuotaMetrics;
import dev.wharf.quota.QuotaStore;
import dev.wharf.ratelimit.RateLimiter;
import dev.wharf.registry.PullLimit;
import dev.wharf.registry.RegistryAccess;
import dev.wharf.registry.RegistryRoutes;
import dev.wharf.retention.RetentionJob;
import dev.wharf.retention.RetentionService;
import dev.wharf.retention.RetentionStore;
import dev.wharf.search.RepositorySearch;
import dev.wharf.search.SearchEndpoint;
import dev.wharf.sources.CycleRoutes;
import dev.wharf.sources.build.BuildGate;
import dev.wharf.sources.build.Sandbox;
import dev.wharf.storage.PrivateFiles;
import dev.wharf.storage.StorageFailure;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.meta.AuditLog;
import dev.wharf.storage.meta.BlobStats;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.GarbageStore;
import dev.wharf.storage.meta.MetadataStore;
import dev.wharf.storage.meta.RepositoryCatalog;
import dev.wharf.storage.meta.RepositorySearchStore;
import dev.wharf.storage.meta.SqlMetadataStore;
import dev.wharf.upstream.OutboundHttp;
import dev.wharf.upstream.OutboundPolicy;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires one Wharf node: stores, services, HTTP surfaces and background tasks. The only class that knows every
 * other package; nothing depends on it.
 */
public final class WharfServer {
    private static final Logger log = LoggerFactory.getLogger(WharfServer.class);

    private final WharfConfig config;
    private final Database database;
    private final MetadataStore meta;
    private final BlobStore blobs;
    private final PullRecorder pulls;
    private final UploadService uploads;
    private final QuotaStore quotaStore;
    private final NamespaceQuotas quotas;
    private final Metrics metrics = new Metrics();
    /** Where request lines go when log.access is on; null when it is off. */
    private final AccessLog accessLog;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Javalin app;
    /** The HTTPS listener's certificate source, or null for plain HTTP. */
    private final Tls tls;
    private final JettySetup jetty;
    private SharedCounters counters;
    private Housekeeping housekeeping;
    private WorkerPool workers;
    private Webhooks webhooks;
    private OutboundHttp outbound;
    private GarbageCollector collector;
    private MirrorService mirrors;
    private AuthorizationEpoch authEpoch;
    private CompletableFuture<BuildGate> buildGateCheck;
    private volatile boolean stopping;

    private WharfServer(WharfConfig config, Database database, MetadataStore meta, BlobStore blobs, Clock clock,
            Tls tls) {
        this.config = config;
        this.accessLog = config.log().access() ? AccessLog.open(System.out) : null;
        this.tls = tls;
        this.jetty = new JettySetup(config, tls);
        this.database = database;
        this.meta = meta;
        this.blobs = blobs;
        this.pulls = new PullRecorder(meta);
        this.quotaStore = new QuotaStore(database);
        this.quotas = new NamespaceQuotas(quotaStore, clock);
        this.uploads = new UploadService(blobs, meta, clock, quotas);
    }

    /** Opens storage, checks it, and starts serving. Throws StartupException with a readable reason. */
    public static WharfServer start(WharfConfig config) {
        return start(config, Clock.systemUTC());
    }

    public static WharfServer start(WharfConfig config, Clock clock) {
        return start(config, clock, PasswordHasher.defaults());
    }

    /**
     * As {@link #start(WharfConfig, Clock)} with another Argon2 cost for the passwords this node hashes. Only the
     * in-process tests call it (with a cheap cost, so hundreds of test servers do not spend their CPU on hashing);
     * there is deliberately no setting for it, so every real node hashes with {@link PasswordHasher#defaults()}.
     */
    public static WharfServer start(WharfConfig config, Clock clock, PasswordHasher passwords) {
        long t0 = System.nanoTime();
        // A bad certificate or key fails the start before anything else is opened.
        Tls tls = Tls.open(config, clock);
        Thread warmup = Thread.ofPlatform().name("wharf-warmup").daemon().start(WharfServer::loadHttpClasses);
        try {
            PrivateFiles.createDirectories(config.dataDir());
        } catch (IOException e) {
            throw new StartupException("data directory " + config.dataDir() + " cannot be created: " + e.getMessage(), e);
        }
        warnIfReadableByOthers(config);
        // A new node hashes its first administrator's password (Argon2id: a few hundred ms on a cold JVM) and
        // generates its token signing key while its database is being created, each on a thread of its own, instead
        // of after it.
        boolean newNode = Database.isNewSqliteFile(config.db().url());
        AccountService.AdminSecret adminSecret = newNode
                ? AccountService.AdminSecret.hashedNow(passwords, config.auth().adminPassword())
                : AccountService.AdminSecret.of(passwords, config.auth().adminPassword());
        Supplier<SigningKeys> freshKey = newNode ? SigningKeys.generateAhead() : SigningKeys::generate;
        Database database;
        try {
            database = Database.open(config.db().url(), emptyToNull(config.db().user()),
                    emptyToNull(config.db().password()), config.db().poolSize(), emptyToNull(config.db().schema()),
                    config.db().poolTimeout());
        } catch (RuntimeException e) {
            throw new StartupException("database is unusable: " + e.getMessage(), e);
        }
        long tDb = System.nanoTime();
        BlobStore blobs = null;
        try {
            blobs = BlobStores.forServer(config, database, clock);
            blobs.probe(); // wrong credentials or a missing bucket fail here, not at the first push
        } catch (IOException | RuntimeException e) {
            if (blobs instanceof AutoCloseable closeable) closeQuietly(closeable);
            database.close();
            throw new StartupException("blob storage is unusable: " + e.getMessage(), e);
        }
        long tStorage = System.nanoTime();
        try {
            warmup.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        WharfServer server = new WharfServer(config, database, new SqlMetadataStore(database), blobs, clock,
                tls);
        try {
            server.serve(clock, passwords, adminSecret, freshKey);
        } catch (StartupException e) {
            server.awaitBuildGateCheck(); // nothing left running in the data directory of a node that did not start
            if (server.counters != null) server.counters.close();
            database.close();
            throw e;
        }
        long tReady = System.nanoTime();
        log.info("wharf {} ready on {}:{} in {} ms (database {} {} ms, storage {} {} ms, http {} ms){}", Main.version(),
                config.http().host(), server.port(), ms(tReady - t0), database.dialect(), ms(tDb - t0), blobs.kind(),
                ms(tStorage - tDb), ms(tReady - tStorage), tls == null ? "" : ", HTTPS with HTTP/2 and HTTP/1.1"
                        + (server.healthPort() < 0 ? "" : "; health checks over plain HTTP on port " + server.healthPort()));
        return server;
    }

    /**
     * The data directory, database and blob store hold private images and account data: new ones are created
     * 0700/0600; ones an older version (or an operator) made readable by others are reported, not changed.
     */
    private static void warnIfReadableByOthers(WharfConfig config) {
        Path data = config.dataDir();
        List<Path> paths = new ArrayList<>(List.of(data, data.resolve("secret.key")));
        if (config.db().isSqlite()) {
            String db = config.db().url().substring("jdbc:sqlite:".length()).replaceFirst("^file:", "")
                    .replaceFirst("\\?.*$", "");
            for (String suffix : List.of("", "-wal", "-shm")) paths.add(Path.of(db + suffix).toAbsolutePath());
        }
        if (config.storage().driver().equals("filesystem")) {
            Path root = config.storage().root();
            paths.addAll(List.of(root, root.resolve("blobs"), root.resolve("uploads")));
        }
        for (String loose : PrivateFiles.looserThanPrivate(paths)) {
            log.warn("{} is accessible to other users of this machine; it should be 0700 (directories) or 0600"
                    + " (files): chmod -R go-rwx {}", loose, data);
        }
    }

    private void serve(Clock clock, PasswordHasher passwords, AccountService.AdminSecret adminSecret,
            Supplier<SigningKeys> freshKey) {
        ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        ManifestService manifests = new ManifestService(meta, new ManifestParser(json), pulls, clock, quotas);
        BlobService blobService = new BlobService(blobs, meta, clock, quotas);
        counters = SharedCounters.connect(config.rateLimit(), metrics.registry());
        Identity identity;
        try {
            identity = Identity.create(config, database, clock, passwords, counters.loginThrottles(clock), freshKey);
        } catch (RuntimeException e) {
            throw new StartupException("identity services cannot start (is secret_key the same on every node?): "
                    + e.getMessage(), e);
        }
        // A first start creates the administrator (an Argon2id hash, slow before the JIT warms up) and the build
        // sandbox checks itself: both overlap with building the HTTP server, each on a thread of its own (the common
        // pool has one thread on a 2-core machine and would run them one after the other).
        CompletableFuture<Void> bootstrap = CompletableFuture.runAsync(
                () -> identity.bootstrapAdmin(config.auth(), adminSecret),
                WharfServer::startupThread);
        CompletableFuture<BuildGate> buildGate = CompletableFuture.supplyAsync(() -> buildGate(config),
                WharfServer::startupThread);
        buildGateCheck = buildGate;
        authEpoch = new AuthorizationEpoch(database).start();
        CachedAuthorization authCache = new CachedAuthorization(identity.registryTokens(), identity.sessions(),
                identity.accessControl(), identity.authenticator(), identity.loginGuard(), authEpoch, clock);
        RegistryAccess access = config.auth().enabled()
                ? new BearerRegistryAccess(identity.registryTokens(), authCache, identity.accessControl(),
                        config.auth().realm())
                : RegistryAccess.OPEN;
        if (!config.auth().enabled()) log.warn("auth.enabled=false: the registry is open to anyone who can reach it");
        boolean auth = config.auth().enabled();
        ImageService images = new ImageService(meta, auth ? identity.accessControl()::allowed : ImageAccess.OPEN,
                clock);
        RateLimitConfig limits = config.rateLimit();
        RateLimiter limiter = limits.enabled() ? counters.rateLimiter(clock) : null;
        PullLimit pullLimit = limiter == null ? null
                : new PullLimit(limiter, limits.pullsAnonymous(), limits.pullsAuthenticated(), limits.pullsWindow(),
                        clock);
        outbound = OutboundHttp.create(OutboundPolicy.of(config.outbound().allow(), config.outbound().deny()),
                config.outbound().trustedCas());
        // Pull-through mirrors: definitions from the configuration first, then the service the registry asks.
        Mirrors mirrorList = new Mirrors(new MirrorStore(database, identity.box()), clock, config.mirrors().hub());
        MirrorAdmin mirrorAdmin = new MirrorAdmin(mirrorList, config.mirrors(), clock);
        try {
            mirrorAdmin.applyConfig();
        } catch (MirrorAdmin.Refused e) {
            throw new StartupException(e.getMessage(), e);
        }
        mirrors = new MirrorService(mirrorList, outbound, meta, blobService, manifests, uploads, new ManifestParser(json), pulls,
                new MirrorMetrics(metrics.registry()), clock, config.mirrors().upstreamTimeout(),
                config.dataDir().resolve("mirror-downloads"), config.storage().reserveBytes(),
                config.mirrors().prefetch(), counters.mirrorOutages(clock));
        identity.accessControl().useMirrors(mirrors);
        AdminGate adminGate = new AdminGate(identity.authenticator(), identity.loginGuard(), identity.sessions());
        MirrorEndpoint mirrorEndpoint = new MirrorEndpoint(mirrorAdmin, mirrors, config.mirrors().evictUnusedAfter(),
                config.mirrors().hub(), adminGate, json);
        RegistryRoutes registry = new RegistryRoutes(manifests, blobService, uploads, metrics, json, access,
                pullLimit, mirrors, config.http().sendfile());
        TokenEndpoint tokenEndpoint = new TokenEndpoint(authCache, identity.sessions(), identity.registryTokens(),
                json, clock);
        HubRoutes hub = new HubRoutes(identity.authenticator(), identity.accounts(), identity.twoFactor(),
                identity.personalTokens(), identity.orgTokens(), identity.sessions(), identity.loginGuard(),
                limiter, config.rateLimit().hubPerMinute(),
                config.rateLimit().hubAnonymousPerMinute(), json, clock, images, auth, new HubServices(meta,
                        new RepositoryCatalog(database), identity.accessControl(), identity.repositorySettings(),
                        new AuditLog(database), identity.imageRestrictions(), mirrors));
        SearchEndpoint search = new SearchEndpoint(new RepositorySearch(
                new RepositorySearchStore(database, config.auth().defaultPrivate()), identity.imageRestrictions(), auth,
                authEpoch, clock),
                authCache, identity.sessions(), config.auth().service(), json, clock);
        ConsoleRoutes console = new ConsoleRoutes(hub.logins(), identity.sessions(), identity.accounts(),
                identity.twoFactor(), json);
        HealthEndpoints health = new HealthEndpoints(meta, blobs, metrics, counters.readinessAdvisories());
        // Cycle /v1/ surface and the job workers behind it; workers start with the server and stop before the pool.
        JobStore jobStore = new JobStore(database, json, clock);
        WorkerPool[] pool = new WorkerPool[1];
        CycleRoutes cycle = new CycleRoutes(database, identity.accounts(), identity.sessions(), identity.box(),
                jobStore, new CycleRoutes.Content(uploads, manifests, blobs, meta), config.sources().dockerHubUrl(),
                config.sources().uploadMaxBytes(),
                new CycleRoutes.Builds(config.dataDir().resolve("builds"), config.sources().builds().timeout(),
                        config.sources().builds().gitProtocols(), buildGate::join, this::localRegistry,
                        config.storage().reserveBytes()), clock,
                () -> pool[0].wake(), new CycleRoutes.Outbound(outbound, blobService, identity.accessControl()));
        RetentionService retention = new RetentionService(new RetentionStore(database), meta, jobStore, json, clock);
        hub.retention(retention, clock);
        List<JobHandler> handlers = new ArrayList<>(cycle.jobHandlers());
        handlers.add(new RetentionJob(retention));
        pool[0] = new WorkerPool(jobStore, handlers, clock, config.jobs().workers(), config.jobs().lease(),
                Duration.ofSeconds(1), Backoff.DEFAULT);
        workers = pool[0];
        webhooks = new Webhooks(config, database, jobStore, identity.box(), outbound, json, clock);
        hub.webhooks(webhooks.service());
        hub.quotas(quotaStore, clock);
        QuotaMetrics quotaMetrics = new QuotaMetrics(metrics.registry());
        workers.onFinished(webhooks.imageJobEvents());
        GcConfig gc = config.gc();
        GarbageStore garbage = new GarbageStore(database);
        collector = new GarbageCollector(meta, garbage, blobs, gc.untaggedGrace(), gc.blobGrace(), clock,
                GcCli.nodeName("serve"), metrics);
        GcEndpoint gcEndpoint = new GcEndpoint(collector, garbage, adminGate, gc.enabled(), gc.interval());
        Supplier<BlobStats> stats = Metrics.memoize(meta::blobStats, Duration.ofSeconds(15));
        metrics.gauge("wharf_blobs", "distinct blobs stored", () -> stats.get().count());
        metrics.gauge("wharf_db_statements", "SQL statements sent to the metadata database since start",
                database::statements);
        metrics.gauge("wharf_blob_bytes", "bytes of distinct blobs stored", () -> stats.get().bytes());

        app = Javalin.create(c -> {
            jetty.apply(c, this::port);
            // Each request starts with no actor; authentication sets one (see AuditContext).
            c.routes.before(ctx -> AuditContext.clear());
            registry.registerPullPaths(c); // the hottest paths first: Javalin matches routes in order
            search.register(c); // /v2/search/… and /v1/search share the Hub's and Cycle's prefixes
            hub.register(c, registry.handler()); // before the registry's catch-all: routes match in order
            registry.register(c);
            tokenEndpoint.register(c);
            health.register(c);
            gcEndpoint.register(c);
            mirrorEndpoint.register(c);
            cycle.register(c);
            console.register(c); // last: its page route catches every GET no API took
            c.routes.exception(Exception.class, (e, ctx) -> {
                if (HubRoutes.owns(ctx) || ConsoleRoutes.ownsApi(ctx.path())) {
                    hub.handleError(ctx, e);
                } else if (RegistryRoutes.owns(ctx.path())) {
                    registry.handleError(ctx, e);
                } else if (CycleRoutes.owns(ctx.path())) {
                    cycle.handleError(ctx, e);
                } else {
                    unexpectedFailure(ctx, e);
                }
            });
            c.requestLogger.http(this::logRequest);
        });
        // The administrator must exist before the port opens: a login (or a CLI user) in between would see none.
        try {
            bootstrap.join();
        } catch (java.util.concurrent.CompletionException e) {
            throw new StartupException("cannot create the administrator: " + e.getCause().getMessage(), e.getCause());
        }
        try {
            app.start();
        } catch (RuntimeException e) {
            throw new StartupException("cannot listen on " + config.http().host() + ":" + config.http().port()
                    + (config.tls().hasHttpPort() ? " and tls.http_addr " + config.tls().httpHost() + ":"
                            + config.tls().httpPort() : "") + ": " + e.getMessage(), e);
        }
        outbound.startInBackground();
        workers.start();
        webhooks.start();
        if (config.gc().enabled()) collector.start(config.gc().interval());
        housekeeping = Housekeeping.start(config, clock, tls, new Housekeeping.Subjects(pulls, mirrors, quotas,
                quotaStore, quotaMetrics, retention, workers, new AuditLog(database), uploads));
    }

    /** A failure on a path no API surface owns (such as /token): a full disk or unreachable store as such, else a 500. */
    private static void unexpectedFailure(Context ctx, Exception e) {
        Map.Entry<Integer, String> answer = StorageFailure.answer(ctx.method() + " " + ctx.path(), e,
                d -> Map.entry(d.kind().status(), d.message()),
                () -> Map.entry(500, "internal error; see the server log"));
        ctx.status(answer.getKey()).json(Map.of("message", answer.getValue()));
    }

    /**
     * Loads and initialises the HTTP, JSON and crypto classes on a second core while the main thread migrates
     * the database: start-up is mostly class loading, and these two halves do not depend on each other.
     */
    private static void loadHttpClasses() {
        try {
            Javalin.create(c -> c.startup.showJavalinBanner = false);
            new ObjectMapper().registerModule(new JavaTimeModule()).writeValueAsBytes(Map.of("warm", 1));
        } catch (Exception | LinkageError e) {
            log.debug("class warm-up failed; start-up just takes longer: {}", e.toString());
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private void logRequest(Context ctx, Float ms) {
        String route = ctx.attribute(RegistryRoutes.ROUTE_ATTRIBUTE);
        if (route == null) route = switch (ctx.path()) {
            case "/healthz", "/readyz", "/metrics", GcEndpoint.PATH -> ctx.path().substring(1);
            default -> "other"; // never the raw path: unbounded label values would bloat the scrape
        };
        metrics.request(ctx.method().name(), route, ctx.statusCode(), Duration.ofNanos((long) (ms * 1_000_000)));
        if (accessLog != null) {
            // Tenths of a millisecond by integer arithmetic: String.format cost more than the rest of the line.
            long tenths = Math.round(ms * 10.0);
            accessLog.request(ctx.ip(), ctx.method().name(), ctx.path(), ctx.statusCode(), tenths);
        }
    }

    public int port() {
        return app.port();
    }

    /** The HTTP settings of each listening connector (for tests of what the server was built with). */
    List<org.eclipse.jetty.server.HttpConfiguration> httpConfigurations() {
        List<org.eclipse.jetty.server.HttpConfiguration> out = new ArrayList<>();
        for (var connector : app.jettyServer().server().getConnectors()) {
            for (var factory : connector.getConnectionFactories()) {
                if (factory instanceof org.eclipse.jetty.server.HttpConfiguration.ConnectionFactory http) {
                    out.add(http.getHttpConfiguration());
                }
            }
        }
        return out;
    }

    private static void startupThread(Runnable task) {
        Thread.ofPlatform().name("wharf-startup").daemon().start(task);
    }

    /** Whether this node runs Dockerfile builds: the setting, then the sandbox's self-check (logged once). */
    static BuildGate buildGate(WharfConfig config) {
        BuildSandboxConfig b = config.buildSandbox();
        return BuildGate.start(b.enabled(), b.uid(), new Sandbox.Limits(b.memoryBytes(), b.cpus(), b.maxProcesses(),
                b.diskBytes(), config.sources().builds().timeout()), config.dataDir().resolve("builds"), config.dataDir());
    }

    /** This node's registry as a build's base-image pull reaches it: loopback unless bound to one address. */
    private String localRegistry() {
        String host = config.http().host();
        if (host.equals("::1")) return "[::1]:" + app.port();
        boolean anyOrLoopback = host.equals("0.0.0.0") || host.equals("::") || host.equals("localhost")
                || host.startsWith("127.");
        if (anyOrLoopback) return "127.0.0.1:" + app.port();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + app.port();
    }

    /** The plain-HTTP health port of tls.http_addr, or -1 without one. */
    public int healthPort() {
        return jetty.healthPort();
    }

    /** Whether addr serves HTTPS. */
    public boolean tlsEnabled() {
        return tls != null;
    }

    /** What a client machine needs to trust a self-signed setup, or null when the certificate is the operator's. */
    public String selfSignedInstructions() {
        return tls == null ? null : tls.clientInstructions(port());
    }

    public Metrics metrics() {
        return metrics;
    }

    /** Graceful stop: finish in-flight requests (up to 20 s), write pending pull counts, close the database. */
    public synchronized void stop() {
        if (stopping) return;
        stopping = true;
        log.info("stopping");
        try {
            if (app != null) app.stop();
        } finally {
            if (accessLog != null) accessLog.close(); // after the last request's line
            if (housekeeping != null) housekeeping.close();
            if (authEpoch != null) authEpoch.close();
            // A pass in progress fails once the pool closes; each of its steps is one transaction, so the next
            // pass (of any node) picks up where it stopped.
            if (collector != null) collector.close();
            if (counters != null) counters.close();
            if (workers != null) workers.stop(Duration.ofSeconds(10)); // unfinished jobs go back to the queue
            awaitBuildGateCheck();
            if (webhooks != null) webhooks.stop();
            if (outbound != null) outbound.close();
            pulls.flush();
            meta.close(); // also closes the database pool
            if (blobs instanceof AutoCloseable closeable) closeQuietly(closeable);
            stopped.countDown();
            log.info("stopped");
        }
    }

    /** The sandbox self-check runs in the data directory: a stopped node leaves nothing running there. */
    private void awaitBuildGateCheck() {
        if (buildGateCheck == null) return;
        try {
            buildGateCheck.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("the build sandbox check had not ended cleanly at stop: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("closing blob storage failed: {}", e.toString());
        }
    }

    public void awaitStop() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
