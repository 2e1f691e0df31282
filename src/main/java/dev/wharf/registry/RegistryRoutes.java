package dev.wharf.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.content.BlobService;
import dev.wharf.content.ManifestService;
import dev.wharf.content.Names;
import dev.wharf.content.OciError;
import dev.wharf.content.RegistryException;
import dev.wharf.content.UploadService;
import dev.wharf.ops.Metrics;
import dev.wharf.storage.StorageFailure;
import io.javalin.config.JavalinConfig;
import dev.wharf.http.RequestText;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The /v2/ route table: every OCI Distribution endpoint in one place. Javalin hands every /v2 request here;
 * {@link RegistryPath} decides the endpoint, because repository names contain slashes that path templates
 * cannot express. Errors from any endpoint leave through {@link OciErrors}.
 */
public final class RegistryRoutes {
    public static final String ROUTE_ATTRIBUTE = "wharf.route";
    private static final List<HandlerType> METHODS = List.of(HandlerType.GET, HandlerType.HEAD, HandlerType.PUT,
            HandlerType.POST, HandlerType.PATCH, HandlerType.DELETE);

    private final ManifestEndpoint manifests;
    private final BlobEndpoint blobs;
    private final UploadEndpoint uploads;
    private final ListingEndpoint listings;
    private final ReferrersEndpoint referrers;
    private final OciErrors errors;
    private final ObjectMapper json;
    private final RegistryAccess access;

    private final PullLimit pullLimit;
    private final PullThrough mirrors;

    /**
     * @param pullLimit pull budgets, or null for none
     * @param mirrors pull-through mirrors, or null for none
     * @param sendfile send blob bodies with sendfile(2) instead of a 32 KiB copy ({@link SocketBody})
     */
    public RegistryRoutes(ManifestService manifestService, BlobService blobService, UploadService uploadService,
            Metrics metrics, ObjectMapper json, RegistryAccess access, PullLimit pullLimit, PullThrough mirrors,
            boolean sendfile) {
        this.access = access;
        this.pullLimit = pullLimit;
        this.mirrors = mirrors;
        this.manifests = new ManifestEndpoint(manifestService, metrics, mirrors);
        this.blobs = new BlobEndpoint(blobService, metrics, mirrors, new SocketBody(sendfile));
        this.uploads = new UploadEndpoint(uploadService, blobService, metrics, access);
        this.listings = new ListingEndpoint(manifestService, json, access, mirrors);
        this.referrers = new ReferrersEndpoint(manifestService, json, mirrors);
        this.errors = new OciErrors(json);
        this.json = json;
    }

    /**
     * Routes for the pull path (GET/HEAD of manifests and blobs), to register before any other /v2/ routes.
     * Javalin tries routes in order, one pattern match each; a pull would otherwise first fail every Hub API
     * route. No Hub route ends in {@code /manifests/x} or {@code /blobs/x}, so these take nothing from the Hub.
     */
    public void registerPullPaths(JavalinConfig config) {
        for (HandlerType method : List.of(HandlerType.GET, HandlerType.HEAD)) {
            config.routes.addHttpHandler(method, "/v2/<name>/manifests/{reference}", this::dispatch);
            config.routes.addHttpHandler(method, "/v2/<name>/blobs/{digest}", this::dispatch);
        }
    }

    /** Every /v2/ route: register after the Hub API's, whose paths this catch-all would otherwise take. */
    public void register(JavalinConfig config) {
        for (HandlerType method : METHODS) {
            for (String path : List.of("/v2", "/v2/", "/v2/<path>")) {
                config.routes.addHttpHandler(method, path, this::dispatch);
            }
        }
    }

    /**
     * The registry's dispatch as a handler, for a route of another API whose path a registry request can also
     * have (the Hub's older {@code /v2/repositories/…} paths hand such requests over).
     */
    public io.javalin.http.Handler handler() {
        return this::dispatch;
    }

    /** Writes a failure raised anywhere under /v2/ in the spec's format. */
    public void handleError(Context ctx, Exception e) {
        RegistryException answer = e instanceof RegistryException re ? re
                : unexpected(ctx.method() + " " + ctx.path(), e);
        RefusedBody.drain(ctx);
        errors.write(ctx, answer);
    }

    /**
     * A failure no handler mapped: a full disk or an unreachable store as such, anything else an internal error (see
     * StorageFailure.answer).
     */
    static RegistryException unexpected(String request, Exception e) {
        return StorageFailure.answer(request, e, d -> new RegistryException(switch (d.kind()) {
                    case FULL -> OciError.STORAGE_FULL;
                    case UNREACHABLE -> OciError.UNAVAILABLE;
                }, d.message(), null),
                () -> new RegistryException(OciError.UNKNOWN, "internal error; see the server log", null));
    }

    public static boolean owns(String path) {
        return path.equals("/v2") || path.startsWith("/v2/");
    }

    private void dispatch(Context ctx) {
        ctx.header("Docker-Distribution-API-Version", "registry/2.0");
        refuseUnclean(ctx);
        RegistryPath p = RegistryPath.parse(ctx.path());
        ctx.attribute(ROUTE_ATTRIBUTE, p.kind().name().toLowerCase());
        if (p.name() != null) Names.requireRepository(p.name());
        String m = ctx.method().name();
        String name = p.name();
        if (mirrors != null && name != null) {
            boolean pull = (p.kind() == RegistryPath.Kind.MANIFEST || p.kind() == RegistryPath.Kind.BLOB
                    || p.kind() == RegistryPath.Kind.TAGS || p.kind() == RegistryPath.Kind.REFERRERS)
                    && (m.equals("GET") || m.equals("HEAD"));
            if (pull) {
                name = mirrors.route(name); // a registry-mirrors request (Hub name, no prefix) → the Hub mirror
            } else if (writes(p.kind(), m) && (mirrors.mirrored(name) || !mirrors.route(name).equals(name))) {
                // A mirror's namespace, or a name whose pulls go to the Hub mirror: neither takes writes, and
                // the refusal says so instead of the token's plain "denied".
                throw new RegistryException(OciError.DENIED, mirrors.readOnlyMessage(name), Map.of("name", name));
            }
        }
        authorize(ctx, p, m); // as the client named it: its token names that repository
        String asked = p.name();
        if (name != null && !name.equals(p.name())) p = new RegistryPath(p.kind(), name, p.reference());
        switch (p.kind()) {
            case BASE -> {
                only(m, "GET", "HEAD");
                access.requireBase(ctx);
                Responses.json(ctx, json, 200, Map.of());
            }
            case CATALOG -> {
                only(m, "GET");
                listings.catalog(ctx);
            }
            case MANIFEST -> {
                switch (m) {
                    case "GET" -> {
                        if (pullLimit != null && pullLimit.active()) pullLimit.apply(ctx, access.account(ctx), true);
                        manifests.get(ctx, p.name(), p.reference(), false);
                    }
                    case "HEAD" -> {
                        if (pullLimit != null && pullLimit.active()) pullLimit.apply(ctx, access.account(ctx), false);
                        manifests.get(ctx, p.name(), p.reference(), true);
                    }
                    case "PUT" -> manifests.put(ctx, p.name(), p.reference());
                    case "DELETE" -> manifests.delete(ctx, p.name(), p.reference());
                    default -> throw notAllowed(m);
                }
            }
            case BLOB -> {
                switch (m) {
                    case "GET" -> blobs.get(ctx, p.name(), p.reference(), false);
                    case "HEAD" -> blobs.get(ctx, p.name(), p.reference(), true);
                    case "DELETE" -> blobs.delete(ctx, p.name(), p.reference());
                    default -> throw notAllowed(m);
                }
            }
            case UPLOADS -> {
                only(m, "POST");
                uploads.start(ctx, p.name());
            }
            case UPLOAD -> {
                switch (m) {
                    case "GET" -> uploads.status(ctx, p.name(), p.reference());
                    case "PATCH" -> uploads.patch(ctx, p.name(), p.reference());
                    case "PUT" -> uploads.put(ctx, p.name(), p.reference());
                    case "DELETE" -> uploads.cancel(ctx, p.name(), p.reference());
                    default -> throw notAllowed(m);
                }
            }
            case TAGS -> {
                only(m, "GET");
                listings.tags(ctx, asked, p.name());
            }
            case REFERRERS -> {
                only(m, "GET");
                referrers.get(ctx, p.name(), p.reference());
            }
            case UNKNOWN -> throw new RegistryException(OciError.NOT_FOUND, null, Map.of("path", ctx.path()));
        }
    }

    /**
     * NUL or invalid UTF-8 in the path (the repository name or reference), a query parameter or Basic credentials:
     * 400 before anything is looked up. Bodies here are blobs; manifests are checked by their parser.
     */
    private static void refuseUnclean(Context ctx) {
        RequestText.check(ctx, false).ifPresent(p -> {
            throw new RegistryException(p.where().equals("path") ? OciError.NAME_INVALID : OciError.PARAMETER_INVALID,
                    p.message(), Map.of("where", p.where()));
        });
    }

    private static boolean writes(RegistryPath.Kind kind, String method) {
        return switch (kind) {
            case MANIFEST, BLOB -> method.equals("PUT") || method.equals("DELETE");
            case UPLOADS, UPLOAD -> !method.equals("GET");
            default -> false;
        };
    }

    /** What each endpoint needs, in the terms of the token spec's actions. */
    private void authorize(Context ctx, RegistryPath p, String method) {
        if (p.name() == null) return;
        Set<RegistryAccess.Action> needed = switch (p.kind()) {
            case MANIFEST -> switch (method) {
                case "PUT" -> Set.of(RegistryAccess.Action.PULL, RegistryAccess.Action.PUSH);
                case "DELETE" -> Set.of(RegistryAccess.Action.DELETE);
                default -> Set.of(RegistryAccess.Action.PULL);
            };
            case BLOB -> method.equals("DELETE") ? Set.of(RegistryAccess.Action.DELETE)
                    : Set.of(RegistryAccess.Action.PULL);
            case UPLOADS, UPLOAD -> Set.of(RegistryAccess.Action.PULL, RegistryAccess.Action.PUSH);
            default -> Set.of(RegistryAccess.Action.PULL);
        };
        access.require(ctx, p.name(), needed);
    }

    private static void only(String method, String... allowed) {
        for (String a : allowed) if (a.equals(method)) return;
        throw notAllowed(method);
    }

    private static RegistryException notAllowed(String method) {
        return new RegistryException(OciError.METHOD_NOT_ALLOWED, method + " is not allowed on this endpoint", null);
    }
}
