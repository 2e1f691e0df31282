package dev.wharf.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.TwoFactorService;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.http.RequestText;
import dev.wharf.hub.HubError;
import dev.wharf.hub.HubException;
import dev.wharf.hub.LoginEndpoint;
import dev.wharf.registry.RegistryRoutes;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.util.Map;
import io.javalin.http.HandlerType;
import io.javalin.http.NotFoundResponse;
import java.util.List;

/**
 * The web console: its session endpoints under {@code /console/api/} and its files at {@code /}. Registered
 * after every other surface, because its page route is a catch-all: any GET that no API took and that is not
 * under an API prefix gets the console's page (the browser-side router reads the path), so links into the
 * console can be bookmarked. API prefixes keep answering 404 in their own way.
 */
public final class ConsoleRoutes {
    private static final String API = "/console/api/";
    /** Paths that belong to an API even when no route matched: never answered with the console's page. */
    private static final List<String> RESERVED = List.of("/v1", "/v2", "/token", "/healthz", "/readyz",
            "/metrics", "/console/api");

    private final SessionEndpoint session;
    private final ConsoleAssets assets = new ConsoleAssets();

    public ConsoleRoutes(LoginEndpoint logins, SessionTokens sessions, AccountService accounts,
            TwoFactorService twoFactor, ObjectMapper json) {
        this.session = new SessionEndpoint(logins, sessions, accounts, twoFactor, json);
    }

    public void register(JavalinConfig config) {
        api(config, HandlerType.POST, API + "session", session::signIn);
        api(config, HandlerType.POST, API + "session/2fa", session::secondFactor);
        api(config, HandlerType.GET, API + "session", session::current);
        api(config, HandlerType.DELETE, API + "session", session::signOut);
        config.routes.addHttpHandler(HandlerType.GET, "/", this::page);
        config.routes.addHttpHandler(HandlerType.GET, "/<path>", this::page);
        config.routes.addHttpHandler(HandlerType.HEAD, "/", this::page);
        config.routes.addHttpHandler(HandlerType.HEAD, "/<path>", this::page);
    }

    /** Whether a request is the console API's: its failures are then written as Hub error bodies. */
    public static boolean ownsApi(String path) {
        return path.startsWith(API);
    }

    private void api(JavalinConfig config, HandlerType method, String path, io.javalin.http.Handler handler) {
        config.routes.addHttpHandler(method, path, ctx -> {
            ctx.attribute(RegistryRoutes.ROUTE_ATTRIBUTE, "console_session");
            ctx.header("Cache-Control", "no-store");
            RequestText.check(ctx, true).ifPresent(p -> {
                throw HubException.invalid(p.message(), Map.of(p.where(), List.of(p.message())));
            });
            handler.handle(ctx);
        });
    }

    private void page(Context ctx) {
        String path = ctx.path();
        if (RESERVED.stream().anyMatch(r -> path.equals(r) || path.startsWith(r + "/"))) {
            if (ownsApi(path + "/")) throw new HubException(HubError.NOT_FOUND);
            if (path.startsWith("/v1")) {
                throw new dev.wharf.sources.CycleException(dev.wharf.sources.CycleError.URI_NOT_FOUND,
                        "no such path: " + path);
            }
            throw new NotFoundResponse();
        }
        ctx.attribute(RegistryRoutes.ROUTE_ATTRIBUTE, "console");
        SecurityHeaders.apply(ctx);
        String relative = path.startsWith("/assets/") ? path.substring("/assets/".length()) : null;
        ConsoleAssets.Asset asset = relative == null ? assets.find("index.html").orElseThrow()
                : assets.find(relative).orElseThrow(NotFoundResponse::new);
        ctx.header("ETag", asset.etag());
        ctx.header("Cache-Control", "no-cache"); // revalidate: file names carry no version
        if (asset.etag().equals(ctx.header("If-None-Match"))) {
            ctx.status(304);
            return;
        }
        ctx.contentType(asset.contentType()).result(asset.bytes());
    }
}
