package dev.wharf.hub;

import dev.wharf.ratelimit.RateLimiter;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccessTokenService;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.CredentialAuthenticator;
import dev.wharf.auth.LoginGuard;
import dev.wharf.auth.OrgAccessTokenService;
import dev.wharf.auth.TwoFactorService;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.http.RequestText;
import dev.wharf.images.ImageService;
import dev.wharf.registry.RegistryRoutes;
import dev.wharf.storage.meta.MetadataStore;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.Map;

/**
 * The Docker Hub API route table: every Hub endpoint in one place. Hub paths live under
 * {@code /v2/} beside the OCI registry's catch-all {@code /v2/<path>} route, so {@link #register} must run before
 * the registry's: Javalin tries overlapping routes in the order they were added. Only these exact methods and
 * paths are the Hub's; anything else under {@code /v2/} stays the registry's (a repository may well be called
 * {@code users/login}, and its {@code /v2/users/login/manifests/...} paths are not these).
 */
public final class HubRoutes {
    private static final String OWNER_ATTRIBUTE = "wharf.hub";

    private final LoginEndpoint login;
    private final TwoFactorEndpoint twoFactor;
    private final LoginSessionEndpoint loginSessions;
    private final AccessTokenEndpoint personalTokens;
    private final OrgAccessTokenEndpoint orgTokens;
    private final ImageEndpoint images;
    private final AuditLogEndpoint auditLogs;
    private final RepositoryEndpoint repositories;
    private final TagEndpoint tags;
    private final PullStatsEndpoint pullStats;
    private final ImageDetailsEndpoint imageDetails;
    private final OrgSettingsEndpoint orgSettings;
    private final OrgMemberEndpoint members;
    private final GroupEndpoint groups;
    private final RepositoryGroupEndpoint repositoryGroups;
    private final HubRateLimit rateLimit;
    private final HubErrors errors;
    private final HubServices services;
    private final AccountService accounts;
    private final HubAuth auth;
    private final ObjectMapper json;
    private WebhookEndpoint webhooks;
    private final MetadataStore meta;
    private QuotaEndpoint quotas;
    private RetentionEndpoint retention;
    /** Repository routes of each scope, for names given as several segments (see {@link NestedRoutes}). */
    private final NestedRoutes nestedCurrent = new NestedRoutes("/v2/namespaces/{namespace}/repositories");
    private final NestedRoutes nestedLegacy = new NestedRoutes("/v2/repositories/{namespace}");

    /**
     * @param limiter the request budget store, or null when {@code ratelimit.enabled} is false
     * @param imagesNeedSession false only when auth is disabled: the registry is open then, and so is image
     *     management (with an {@link ImageService} that allows everything)
     */
    public HubRoutes(CredentialAuthenticator authenticator, AccountService accounts, TwoFactorService twoFactor,
            AccessTokenService personalTokens, OrgAccessTokenService orgTokens, SessionTokens sessions,
            LoginGuard guard, RateLimiter limiter, int perAccountPerMinute, int anonymousPerMinute, ObjectMapper json,
            Clock clock, ImageService images, boolean imagesNeedSession,
            HubServices services) {
        HubAuth auth = new HubAuth(sessions);
        this.auth = auth;
        this.services = services;
        this.accounts = accounts;
        this.json = json;
        this.login = new LoginEndpoint(authenticator, twoFactor, sessions, guard, json, clock);
        this.twoFactor = new TwoFactorEndpoint(twoFactor, auth, guard, json, clock);
        this.loginSessions = new LoginSessionEndpoint(sessions, auth, json);
        this.personalTokens = new AccessTokenEndpoint(personalTokens, auth, json);
        this.orgTokens = new OrgAccessTokenEndpoint(orgTokens, accounts, auth, json);
        this.images = new ImageEndpoint(images, imagesNeedSession ? auth : null, json);
        this.auditLogs = new AuditLogEndpoint(services.auditLog(), accounts, auth, json);
        this.repositories = new RepositoryEndpoint(services, accounts, auth, json, clock);
        this.tags = new TagEndpoint(services, auth, json, clock);
        this.pullStats = new PullStatsEndpoint(services, auth, json, clock);
        this.imageDetails = new ImageDetailsEndpoint(services, auth, json);
        OrgGuard orgGuard = new OrgGuard(accounts, auth);
        this.orgSettings = new OrgSettingsEndpoint(services.restrictions(), accounts, orgGuard, auth, json);
        this.members = new OrgMemberEndpoint(accounts, orgGuard, json);
        this.groups = new GroupEndpoint(accounts, orgGuard, json);
        this.repositoryGroups = new RepositoryGroupEndpoint(accounts, new RepositoryLookup(services), auth, json);
        this.rateLimit = new HubRateLimit(limiter, auth, perAccountPerMinute, anonymousPerMinute);
        this.errors = new HubErrors(json, clock);
        this.meta = services.meta();
    }

    /** Serves the webhook pipeline endpoints (left out when never called, as in tests of other endpoints). */
    public void webhooks(dev.wharf.webhooks.WebhookService service) {
        this.webhooks = new WebhookEndpoint(service, administeredScope(), json);
    }

    /** Serves the quota endpoints (left out when never called, as in tests of other endpoints). */
    public void quotas(dev.wharf.quota.QuotaStore store, Clock clock) {
        this.quotas = new QuotaEndpoint(store, accounts, auth, json, clock);
    }

    /** Serves the retention endpoints (left out when never called). */
    public void retention(dev.wharf.retention.RetentionService service, Clock clock) {
        this.retention = new RetentionEndpoint(service, administeredScope(), json, clock);
    }

    private AdministeredScope administeredScope() {
        return new AdministeredScope(new RepositoryLookup(services), new OrgGuard(accounts, auth), accounts, auth);
    }

    /** The login steps, for the web console's cookie sign-in. */
    public LoginEndpoint logins() {
        return login;
    }

    /**
     * @param registry the registry's handler, for the few requests that fit one of Docker Hub's older
     *     {@code /v2/repositories/…} paths but are meant for a registry repository (see {@link #registerLegacy})
     */
    public void register(JavalinConfig config, Handler registry) {
        registerCurrent(config);
        registerLegacy(config, registry);
        registerNested(config, registry, nestedCurrent);
        registerNested(config, registry, nestedLegacy);
    }

    /**
     * A scope's catch-all for repository names given as several segments, after every one-segment route of
     * the scope and before the registry's catch-all. Registry requests that merely start like the scope go on to
     * the registry (see {@link NestedRoutes}).
     */
    private void registerNested(JavalinConfig config, Handler registry, NestedRoutes scope) {
        Handler notFound = wrap("hub_repository", ctx -> {
            throw RepositoryLookup.notFound();
        });
        for (HandlerType method : scope.methods()) {
            config.routes.addHttpHandler(method, scope.catchAll(), ctx -> {
                List<String> segments = NestedRoutes.segments(ctx.pathParam("nested"));
                // The shape of the whole path decides, namespace segment included: a registry repository named
                // "repositories" pushes to /v2/repositories/blobs/uploads/, whose "namespace" is "blobs".
                List<String> whole = NestedRoutes.segments(ctx.path());
                if (NestedRoutes.registryShaped(whole) || NestedRoutes.isTagList(whole)
                        && registryRepositoryExists(ctx.path())) {
                    registry.handle(ctx);
                    return;
                }
                java.util.Optional<NestedRoutes.Match> match = scope.match(ctx.method(), ctx.pathParam("namespace"),
                        segments);
                if (match.isEmpty()) {
                    notFound.handle(ctx);
                    return;
                }
                HubPath.set(ctx, match.get().params());
                match.get().handler().handle(ctx);
            });
        }
    }

    /** Whether {@code /v2/<name>/tags/list} names a registry repository that exists. */
    private boolean registryRepositoryExists(String path) {
        String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (!trimmed.startsWith("/v2/") || !trimmed.endsWith("/tags/list")) return false;
        return meta.findRepository(trimmed.substring("/v2/".length(), trimmed.length() - "/tags/list".length()))
                .isPresent();
    }

    /**
     * Docker Hub's older repository paths, which Renovate, hub-tool and many scripts call: the handlers of their
     * {@code /v2/namespaces/…} twins (same bodies, paging, ordering and privacy), plus the deletes, which only
     * these paths have. Javalin ignores a trailing slash, so each serves {@code …/} and {@code …} alike.
     *
     * <p>A registry repository may be named {@code repositories} or {@code repositories/<a>/<b>}: then
     * {@code /v2/repositories/tags/list}, {@code DELETE /v2/repositories/manifests/<ref>} (or {@code blobs/},
     * and {@code GET …/referrers/<digest>}) and {@code /v2/repositories/<a>/<b>/tags/list} are its registry
     * requests, not a Hub repository called {@code tags/list} or a tag called {@code list}. When such a registry
     * repository exists, those requests go to the registry.
     */
    private void registerLegacy(JavalinConfig config, Handler registry) {
        String reposPath = "/v2/repositories/{namespace}";
        String repoPath = reposPath + "/{repository}";
        String tagsPath = repoPath + "/tags";
        String tagPath = tagsPath + "/{tag}";
        legacy(config, registry, HandlerType.GET, reposPath, "hub_repositories", repositories::list, null);
        for (HandlerType method : List.of(HandlerType.GET, HandlerType.HEAD, HandlerType.DELETE)) {
            Handler handler = method == HandlerType.DELETE ? repositories::delete : repositories::get;
            legacy(config, registry, method, repoPath, "hub_repository", handler, this::registryResource);
        }
        legacy(config, registry, HandlerType.GET, tagsPath, "hub_tags", tags::list, null);
        legacy(config, registry, HandlerType.HEAD, tagsPath, "hub_tags", tags::headTags, null);
        for (HandlerType method : List.of(HandlerType.GET, HandlerType.HEAD, HandlerType.DELETE)) {
            Handler handler = method == HandlerType.DELETE ? tags::delete : tags::get;
            legacy(config, registry, method, tagPath, "hub_tag", handler, this::registryTagList);
        }
    }

    /**
     * @param meantForRegistry true for a request that is the registry's although it fits the path; null when no
     *     registry request can fit it
     */
    private void legacy(JavalinConfig config, Handler registry, HandlerType method, String path, String name,
            Handler handler, Predicate<Context> meantForRegistry) {
        Handler hub = wrap(name, handler);
        nestedLegacy.record(method, path, hub);
        config.routes.addHttpHandler(method, path, meantForRegistry == null ? hub : ctx -> {
            if (meantForRegistry.test(ctx)) {
                registry.handle(ctx);
            } else {
                hub.handle(ctx);
            }
        });
    }

    private static final Set<String> REGISTRY_RESOURCES = Set.of("tags", "manifests", "blobs", "referrers");

    /** {@code /v2/repositories/tags/list}, {@code …/manifests/<ref>} etc. of a registry repository "repositories". */
    private boolean registryResource(Context ctx) {
        return REGISTRY_RESOURCES.contains(ctx.pathParam("namespace")) && !ctx.path().endsWith("/")
                && meta.findRepository("repositories").isPresent();
    }

    /** {@code /v2/repositories/<a>/<b>/tags/list} of a registry repository "repositories/<a>/<b>". */
    private boolean registryTagList(Context ctx) {
        return "list".equals(ctx.pathParam("tag")) && !ctx.path().endsWith("/") && meta.findRepository(
                "repositories/" + ctx.pathParam("namespace") + "/" + ctx.pathParam("repository")).isPresent();
    }

    private void registerCurrent(JavalinConfig config) {
        route(config, HandlerType.POST, "/v2/users/login", "hub_login", login::login);
        route(config, HandlerType.POST, "/v2/users/2fa-login", "hub_2fa_login", login::secondFactor);

        route(config, HandlerType.POST, "/v2/auth/2fa/enroll", "hub_2fa", twoFactor::enroll);
        route(config, HandlerType.POST, "/v2/auth/2fa/confirm", "hub_2fa", twoFactor::confirm);
        route(config, HandlerType.POST, "/v2/auth/2fa/disable", "hub_2fa", twoFactor::disable);
        route(config, HandlerType.POST, "/v2/auth/2fa/recovery-codes", "hub_2fa", twoFactor::regenerateRecoveryCodes);
        // Wharf's additions: a user's own sessions and refresh tokens
        route(config, HandlerType.GET, "/v2/auth/sessions", "hub_sessions", loginSessions::list);
        route(config, HandlerType.DELETE, "/v2/auth/sessions", "hub_sessions", loginSessions::revokeOthers);
        route(config, HandlerType.DELETE, "/v2/auth/sessions/{id}", "hub_session", loginSessions::revoke);

        route(config, HandlerType.POST, "/v2/access-tokens", "hub_access_tokens", personalTokens::create);
        route(config, HandlerType.GET, "/v2/access-tokens", "hub_access_tokens", personalTokens::list);
        route(config, HandlerType.GET, "/v2/access-tokens/{uuid}", "hub_access_token", personalTokens::get);
        route(config, HandlerType.PATCH, "/v2/access-tokens/{uuid}", "hub_access_token", personalTokens::update);
        route(config, HandlerType.DELETE, "/v2/access-tokens/{uuid}", "hub_access_token", personalTokens::delete);

        String orgTokensPath = "/v2/orgs/{name}/access-tokens";
        String orgTokenPath = "/v2/orgs/{org_name}/access-tokens/{access_token_id}";
        route(config, HandlerType.POST, orgTokensPath, "hub_org_access_tokens", orgTokens::create);
        route(config, HandlerType.GET, orgTokensPath, "hub_org_access_tokens", orgTokens::list);
        route(config, HandlerType.GET, orgTokenPath, "hub_org_access_token", orgTokens::get);
        route(config, HandlerType.PATCH, orgTokenPath, "hub_org_access_token", orgTokens::update);
        route(config, HandlerType.DELETE, orgTokenPath, "hub_org_access_token", orgTokens::delete);

        // Image management. {digest} holds a ':' but never a '/', so one path segment matches it.
        String repository = "/v2/namespaces/{namespace}/repositories/{repository}";
        route(config, HandlerType.GET, repository + "/images-summary", "hub_images_summary", images::summary);
        route(config, HandlerType.GET, repository + "/images", "hub_images", images::list);
        route(config, HandlerType.GET, repository + "/images/{digest}/tags", "hub_image_tags", images::tags);
        route(config, HandlerType.GET, repository + "/images/{digest}/details", "hub_image_details",
                imageDetails::get);
        route(config, HandlerType.POST, "/v2/namespaces/{namespace}/delete-images", "hub_delete_images",
                images::delete);
        route(config, HandlerType.GET, "/v2/auditlogs/{account}", "hub_audit_logs", auditLogs::list);
        route(config, HandlerType.GET, "/v2/auditlogs/{account}/actions", "hub_audit_actions", auditLogs::actions);

        String reposPath = "/v2/namespaces/{namespace}/repositories";
        String repoPath = reposPath + "/{repository}";
        route(config, HandlerType.GET, reposPath, "hub_repositories", repositories::list);
        route(config, HandlerType.POST, reposPath, "hub_repositories", repositories::create);
        route(config, HandlerType.GET, repoPath, "hub_repository", repositories::get);
        route(config, HandlerType.HEAD, repoPath, "hub_repository", repositories::get);
        route(config, HandlerType.PATCH, "/v2/repositories/{namespace}/{repository}/", "hub_repository",
                repositories::update);
        route(config, HandlerType.GET, "/v2/namespaces/{namespace}/badges", "hub_badges", orgSettings::getBadges);
        route(config, HandlerType.PUT, "/v2/namespaces/{namespace}/badges", "hub_badges", orgSettings::updateBadges);
        route(config, HandlerType.GET, "/v2/orgs/{name}/settings", "hub_org_settings", orgSettings::get);
        route(config, HandlerType.PUT, "/v2/orgs/{name}/settings", "hub_org_settings", orgSettings::update);
        route(config, HandlerType.GET, "/v2/orgs/{org_name}/members", "hub_org_members", members::list);
        route(config, HandlerType.PUT, "/v2/orgs/{org_name}/members/{username}", "hub_org_member", members::update);
        route(config, HandlerType.DELETE, "/v2/orgs/{org_name}/members/{username}", "hub_org_member",
                members::remove);
        String groupsPath = "/v2/orgs/{org_name}/groups";
        String groupPath = groupsPath + "/{group_name}";
        route(config, HandlerType.GET, groupsPath, "hub_groups", groups::list);
        route(config, HandlerType.POST, groupsPath, "hub_groups", groups::create);
        route(config, HandlerType.GET, groupPath, "hub_group", groups::get);
        route(config, HandlerType.PUT, groupPath, "hub_group", groups::update);
        route(config, HandlerType.PATCH, groupPath, "hub_group", groups::update);
        route(config, HandlerType.DELETE, groupPath, "hub_group", groups::delete);
        route(config, HandlerType.GET, groupPath + "/members", "hub_group_members", groups::listMembers);
        route(config, HandlerType.POST, groupPath + "/members", "hub_group_members", groups::addMember);
        route(config, HandlerType.DELETE, groupPath + "/members/{username}", "hub_group_member",
                groups::removeMember);
        String repoGroupsPath = "/v2/repositories/{namespace}/{repository}/groups";
        route(config, HandlerType.POST, repoGroupsPath, "hub_repository_groups", repositoryGroups::create);
        // Wharf's additions: the contract can grant a group a permission but neither list nor revoke it
        route(config, HandlerType.GET, repoGroupsPath, "hub_repository_groups", repositoryGroups::list);
        route(config, HandlerType.DELETE, repoGroupsPath + "/{group_id}", "hub_repository_group",
                repositoryGroups::delete);
        route(config, HandlerType.GET, repoPath + "/pulls-per-day", "hub_pulls_per_day", pullStats::get);
        route(config, HandlerType.GET, repoPath + "/tags", "hub_tags", tags::list);
        route(config, HandlerType.HEAD, repoPath + "/tags", "hub_tags", tags::headTags);
        route(config, HandlerType.GET, repoPath + "/tags/{tag}", "hub_tag", tags::get);
        route(config, HandlerType.HEAD, repoPath + "/tags/{tag}", "hub_tag", tags::get);
        route(config, HandlerType.PATCH, repoPath + "/immutabletags", "hub_immutable_tags",
                tags::updateImmutableTags);
        route(config, HandlerType.POST, repoPath + "/immutabletags/verify", "hub_immutable_tags",
                tags::verifyImmutableTags);
        if (webhooks != null) registerWebhooks(config);
        if (quotas != null) {
            String quota = "/v2/namespaces/{namespace}/quota";
            route(config, HandlerType.GET, quota, "hub_quota", quotas::get);
            route(config, HandlerType.PUT, quota, "hub_quota", quotas::put);
            route(config, HandlerType.DELETE, quota, "hub_quota", quotas::delete);
            route(config, HandlerType.GET, "/v2/admin/quotas", "hub_admin_quotas", quotas::overview);
        }
        if (retention != null) {
            for (String scope : new String[] {"/v2/namespaces/{namespace}/repositories/{repository}",
                    "/v2/namespaces/{namespace}"}) {
                String path = scope + "/retention";
                route(config, HandlerType.GET, path, "hub_retention", retention::get);
                route(config, HandlerType.PUT, path, "hub_retention", retention::put);
                route(config, HandlerType.DELETE, path, "hub_retention", retention::delete);
                route(config, HandlerType.POST, path + "/preview", "hub_retention_preview", retention::preview);
                route(config, HandlerType.POST, path + "/runs", "hub_retention_runs", retention::run);
                route(config, HandlerType.GET, path + "/runs", "hub_retention_runs", retention::runs);
                route(config, HandlerType.GET, path + "/runs/{run}", "hub_retention_run", retention::runStatus);
            }
        }
    }

    /** Docker Hub's repository pipelines, and the same set for a namespace's own hooks (Wharf's addition). */
    private void registerWebhooks(JavalinConfig config) {
        for (String scope : new String[] {"/v2/repositories/{namespace}/{repository}", "/v2/namespaces/{namespace}"}) {
            String pipelines = scope + "/webhook_pipeline";
            String pipeline = pipelines + "/{slug}";
            route(config, HandlerType.GET, pipelines, "hub_webhooks", webhooks::list);
            route(config, HandlerType.POST, pipelines, "hub_webhooks", webhooks::create);
            route(config, HandlerType.GET, pipeline, "hub_webhook", webhooks::get);
            route(config, HandlerType.DELETE, pipeline, "hub_webhook", webhooks::delete);
            route(config, HandlerType.GET, pipeline + "/deliveries", "hub_webhook_deliveries", webhooks::deliveries);
            route(config, HandlerType.POST, pipeline + "/deliveries/{delivery}/redeliver", "hub_webhook_redeliver",
                    webhooks::redeliver);
        }
    }

    /**
     * Every Hub handler passes here first: it marks the request as the Hub's (so failures are written by
     * {@link #handleError}), names the route for metrics, forbids caching, spends the request budget, and refuses
     * NUL and invalid UTF-8 anywhere in the request's text.
     */
    private void route(JavalinConfig config, HandlerType method, String path, String name, Handler handler) {
        Handler hub = wrap(name, handler);
        nestedCurrent.record(method, path, hub);
        nestedLegacy.record(method, path, hub);
        config.routes.addHttpHandler(method, path, hub);
    }

    private Handler wrap(String name, Handler handler) {
        return ctx -> {
            ctx.attribute(OWNER_ATTRIBUTE, Boolean.TRUE);
            ctx.attribute(RegistryRoutes.ROUTE_ATTRIBUTE, name);
            ctx.header("Cache-Control", "no-store"); // answers carry sessions, secrets and per-user data
            rateLimit.apply(ctx);
            refuseUnclean(ctx);
            handler.handle(ctx);
        };
    }

    /** NUL or invalid UTF-8 in any string of the request: a 400 naming where, before any handler reads it. */
    public static void refuseUnclean(Context ctx) {
        RequestText.check(ctx, true).ifPresent(p -> {
            throw HubException.invalid(p.message(), Map.of(p.where(), List.of(p.message())));
        });
    }

    /** Marks a request taken by a handler registered elsewhere (e.g. search) as the Hub's, for its error shapes. */
    public static void markOwned(Context ctx) {
        ctx.attribute(OWNER_ATTRIBUTE, Boolean.TRUE);
    }

    /** Whether a Hub handler took this request: its failures must then be written in the Hub's shapes. */
    public static boolean owns(Context ctx) {
        return Boolean.TRUE.equals(ctx.attribute(OWNER_ATTRIBUTE));
    }

    /** Writes any failure of a Hub request: {@link HubException}s as they say, the unexpected as a bare 500. */
    public void handleError(Context ctx, Exception e) {
        errors.handle(ctx, e);
    }
}
