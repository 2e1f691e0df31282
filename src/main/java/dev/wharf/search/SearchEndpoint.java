package dev.wharf.search;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.BasicCredentials;
import dev.wharf.auth.LoginGuard;
import dev.wharf.auth.Principal;
import dev.wharf.auth.registry.CachedAuthorization;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.hub.HubError;
import dev.wharf.hub.HubException;
import dev.wharf.hub.HubRoutes;
import dev.wharf.registry.RegistryRoutes;
import dev.wharf.sources.CycleError;
import dev.wharf.sources.CycleException;
import dev.wharf.storage.meta.RepositorySearchStore;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Search over HTTP, in the two formats clients read:
 * <ul>
 *   <li>{@code GET /v1/search?q=&n=&page=}: the registry search API of {@code docker search} and
 *       {@code podman search} ({@code query}, {@code num_results}, {@code results[]} of {@code name},
 *       {@code description}, {@code star_count}, {@code is_official}, {@code is_automated}), with {@code GET
 *       /v1/_ping}, which dockerd asks first. Errors in Cycle's envelope, as everywhere under /v1/.
 *   <li>{@code GET /v2/search/repositories/?query=&page=&page_size=}: Docker Hub's ({@code count}, {@code next},
 *       {@code previous}, {@code results[]} of {@code repo_name}, {@code short_description}, …). Hub errors.
 * </ul>
 * Callers come as docker sends them: no credentials or an empty Basic pair (anonymous), Basic with a password or
 * an access token (throttled like every login), or a bearer token (a registry token of this server, or a Hub
 * session). Basic credentials and registry tokens go through the registry's {@link CachedAuthorization}, so a
 * caller seen before costs no signature check, no password hash and no query, exactly as on /v2/. Registered
 * before the Cycle and Hub route tables, whose prefixes these paths share.
 */
public final class SearchEndpoint {
    public static final String V1_SEARCH = "/v1/search";
    public static final String HUB_SEARCH = "/v2/search/repositories";

    private final RepositorySearch search;
    private final CachedAuthorization cache;
    private final SessionTokens sessions;
    private final String registryService;
    private final ObjectMapper json;
    private final Clock clock;

    public SearchEndpoint(RepositorySearch search, CachedAuthorization cache, SessionTokens sessions,
            String registryService, ObjectMapper json, Clock clock) {
        this.search = search;
        this.cache = cache;
        this.sessions = sessions;
        this.registryService = registryService;
        this.json = json;
        this.clock = clock;
    }

    public void register(JavalinConfig config) {
        config.routes.addHttpHandler(HandlerType.GET, "/v1/_ping", this::ping);
        config.routes.addHttpHandler(HandlerType.GET, V1_SEARCH, this::v1);
        config.routes.addHttpHandler(HandlerType.GET, HUB_SEARCH, this::hub);
        config.routes.addHttpHandler(HandlerType.GET, HUB_SEARCH + "/", this::hub);
    }

    /** dockerd's check that a v1 endpoint exists before it searches; "standalone" makes it send Basic credentials. */
    private void ping(Context ctx) {
        ctx.attribute(RegistryRoutes.ROUTE_ATTRIBUTE, "v1_ping");
        ctx.header("X-Docker-Registry-Standalone", "true");
        write(ctx, Map.of("standalone", true));
    }

    private void v1(Context ctx) {
        ctx.attribute(RegistryRoutes.ROUTE_ATTRIBUTE, "v1_search");
        ctx.header("Cache-Control", "no-store");
        Principal caller = caller(ctx, false);
        RepositorySearch.Page page;
        try {
            page = search.search(caller, ctx.queryParam("q"), number(ctx, "page", 1, false),
                    number(ctx, "n", 25, false));
        } catch (IllegalArgumentException e) {
            throw CycleException.invalid(null, e.getMessage());
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (RepositorySearchStore.Hit hit : page.hits()) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", hit.name());
            r.put("description", hit.description());
            r.put("star_count", 0);
            r.put("is_official", hit.official());
            r.put("is_automated", false);
            r.put("is_trusted", false);
            results.add(r);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("query", page.query());
        body.put("num_results", page.total());
        body.put("num_pages", page.pages());
        body.put("page", page.page());
        body.put("page_size", page.pageSize());
        body.put("results", results);
        write(ctx, body);
    }

    private void hub(Context ctx) {
        HubRoutes.markOwned(ctx);
        HubRoutes.refuseUnclean(ctx); // NUL or invalid UTF-8: the Hub's 400, as on every Hub route
        ctx.attribute(RegistryRoutes.ROUTE_ATTRIBUTE, "hub_search");
        ctx.header("Cache-Control", "no-store");
        Principal caller = caller(ctx, true);
        String query = ctx.queryParam("query");
        RepositorySearch.Page page;
        try {
            page = search.search(caller, query, number(ctx, "page", 1, true), number(ctx, "page_size", 25, true));
        } catch (IllegalArgumentException e) {
            throw HubException.invalidField(query == null || query.isBlank() ? "query" : "page", e.getMessage());
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (RepositorySearchStore.Hit hit : page.hits()) {
            Map<String, Object> r = new LinkedHashMap<>();
            int slash = hit.name().indexOf('/');
            r.put("repo_name", hit.name());
            r.put("short_description", hit.description());
            r.put("star_count", 0);
            r.put("pull_count", hit.pullCount());
            r.put("repo_owner", slash < 0 ? "" : hit.name().substring(0, slash));
            r.put("is_automated", false);
            r.put("is_official", hit.official());
            results.add(r);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", page.total());
        body.put("next", page.page() < page.pages() ? pageUrl(ctx, page, page.page() + 1) : null);
        body.put("previous", page.page() > 1 ? pageUrl(ctx, page, Math.min(page.page() - 1, Math.max(1, page.pages())))
                : null);
        body.put("results", results);
        write(ctx, body);
    }

    private static String pageUrl(Context ctx, RepositorySearch.Page page, long n) {
        return ctx.scheme() + "://" + ctx.host() + HUB_SEARCH + "/?query="
                + URLEncoder.encode(page.query(), StandardCharsets.UTF_8) + "&page=" + n + "&page_size="
                + page.pageSize();
    }

    /** A whole number parameter, or the default when absent; bad text fails in this API's own error shape. */
    private static int number(Context ctx, String name, int fallback, boolean hub) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) return fallback;
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            String message = name + " must be a whole number";
            if (hub) throw HubException.invalidField(name, message);
            throw CycleException.invalid(null, message);
        }
    }

    /** Who is asking; bad credentials are refused, never downgraded to anonymous. */
    private Principal caller(Context ctx, boolean hub) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) return Principal.ANONYMOUS;
        if (BasicCredentials.isBasic(header)) {
            Optional<BasicCredentials> basic = BasicCredentials.fromHeader(header);
            if (basic.isEmpty()) throw unauthorized(hub, "malformed Basic credentials");
            // dockerd sends an empty pair to a standalone registry when no one is logged in.
            if (basic.get().username().isEmpty() && basic.get().secret().isEmpty()) return Principal.ANONYMOUS;
            return switch (cache.basic(basic.get().username(), basic.get().secret(), ctx.ip())) {
                case LoginGuard.Attempt.Accepted accepted -> accepted.principal();
                case LoginGuard.Attempt.Rejected rejected -> throw unauthorized(hub, "incorrect username or password");
                case LoginGuard.Attempt.Locked locked -> {
                    if (hub) throw HubException.tooMany(HubError.TOO_MANY_FAILED_LOGINS, clock.instant().plus(locked.retryAfter()));
                    throw new CycleException(CycleError.AUTH_INVALID, "too many failed attempts; retry in "
                            + Math.max(1, locked.retryAfter().toSeconds()) + " s");
                }
            };
        }
        int space = header.indexOf(' ');
        String scheme = space < 0 ? header : header.substring(0, space);
        if (space > 0 && (scheme.equalsIgnoreCase("Bearer") || scheme.equalsIgnoreCase("JWT"))) {
            String token = header.substring(space + 1).trim();
            // A registry token (what dockerd fetches with a stored identity token) or a Hub session.
            Optional<Principal> principal = cache.bearerPrincipal(token)
                    .or(() -> sessions.verify(token, registryService)).or(() -> sessions.verify(token));
            if (principal.isPresent()) return principal.get();
            if (hub) throw new HubException(HubError.INVALID_TOKEN);
            throw new CycleException(CycleError.AUTH_INVALID, "the bearer token is not valid here");
        }
        throw unauthorized(hub, "unsupported Authorization scheme");
    }

    private static RuntimeException unauthorized(boolean hub, String why) {
        if (hub) return new HubException(HubError.INCORRECT_CREDENTIALS);
        return new CycleException(CycleError.AUTH_INVALID, why);
    }

    private void write(Context ctx, Object body) {
        try {
            ctx.contentType("application/json").result(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
