package dev.wharf.hub.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.Principal;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.images.DeleteImagesReport;
import dev.wharf.images.ImageException;
import dev.wharf.images.ImageListRequest;
import dev.wharf.images.ImageService;
import dev.wharf.registry.RegistryRoutes;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.Optional;

/**
 * The Hub API's image-management endpoints (seed 004): images-summary, images, an image's tags, delete-images.
 *
 * <p>These paths live under {@code /v2/} beside the OCI registry's catch-all {@code /v2/<path>}: {@link #register}
 * must run before {@code RegistryRoutes.register}, because Javalin tries overlapping routes in the order they were
 * added. Only these exact methods and shapes are claimed; {@code /v2/namespaces/a/repositories/b/manifests/x}
 * still reaches the registry (a repository may be called {@code namespaces/a/repositories/b}).
 *
 * <p>Callers authenticate with a Hub session ({@code Authorization: Bearer <JWT>}); with auth disabled everyone
 * is let in, as the registry itself is then. Every failure leaves through {@link ImageErrors}.
 */
public final class ImageRoutes {
    private static final String SUMMARY = "/v2/namespaces/{namespace}/repositories/{repository}/images-summary";
    private static final String IMAGES = "/v2/namespaces/{namespace}/repositories/{repository}/images";
    private static final String TAGS = "/v2/namespaces/{namespace}/repositories/{repository}/images/{digest}/tags";
    private static final String DELETE = "/v2/namespaces/{namespace}/delete-images";

    private final ImageService images;
    private final SessionTokens sessions;
    private final ObjectMapper json;
    private final ImageErrors errors;

    /** @param sessions verifies Hub sessions; null when auth is disabled */
    public ImageRoutes(ImageService images, SessionTokens sessions, ObjectMapper json) {
        this.images = images;
        this.sessions = sessions;
        this.json = json;
        this.errors = new ImageErrors(json);
    }

    public void register(JavalinConfig config) {
        route(config, false, SUMMARY, "hub_images_summary", ctx -> ImageJson.write(ctx, json, 200, ImageJson.summary(
                images.summary(caller(ctx), ctx.pathParam("namespace"), ctx.pathParam("repository"),
                        ctx.queryParam("active_from")))));
        route(config, false, IMAGES, "hub_images", ctx -> ImageJson.write(ctx, json, 200, ImageJson.images(ctx,
                images.list(caller(ctx), ctx.pathParam("namespace"), ctx.pathParam("repository"),
                        new ImageListRequest(ctx.queryParam("status"), bool(ctx, "currently_tagged"),
                                ctx.queryParam("ordering"), ctx.queryParam("active_from"),
                                integer(ctx, "page", 1), integer(ctx, "page_size", ImageService.DEFAULT_PAGE_SIZE))))));
        route(config, false, TAGS, "hub_image_tags", ctx -> ImageJson.write(ctx, json, 200, ImageJson.tags(ctx,
                images.tags(caller(ctx), ctx.pathParam("namespace"), ctx.pathParam("repository"),
                        ctx.pathParam("digest"), integer(ctx, "page", 1),
                        integer(ctx, "page_size", ImageService.DEFAULT_PAGE_SIZE)))));
        route(config, true, DELETE, "hub_delete_images", this::delete);
    }

    private void delete(Context ctx) {
        Principal caller = caller(ctx);
        DeleteImagesReport report = images.delete(caller, ctx.pathParam("namespace"),
                DeleteImagesBody.parse(json, ctx.bodyAsBytes()));
        if (report.refused()) {
            ImageJson.write(ctx, json, 400, ImageJson.refused(report));
        } else {
            ImageJson.write(ctx, json, 200, ImageJson.deleted(report));
        }
    }

    /** Names the route for metrics and keeps every failure in the Hub's error shape. */
    private void route(JavalinConfig config, boolean post, String path, String name, Handler handler) {
        Handler wrapped = ctx -> {
            ctx.attribute(RegistryRoutes.ROUTE_ATTRIBUTE, name);
            try {
                handler.handle(ctx);
            } catch (Exception e) {
                errors.handle(ctx, e);
            }
        };
        if (post) {
            config.routes.post(path, wrapped);
        } else {
            config.routes.get(path, wrapped);
        }
    }

    private Principal caller(Context ctx) {
        if (sessions == null) return Principal.ANONYMOUS;
        String token = bearer(ctx).orElseThrow(() -> new ImageErrors.Unauthenticated(ImageErrors.NOT_AUTHENTICATED));
        return sessions.verify(token)
                .orElseThrow(() -> new ImageErrors.Unauthenticated(ImageErrors.INVALID_TOKEN));
    }

    /** {@code Bearer <jwt>}, or Docker Hub's older {@code JWT <jwt>}. */
    private static Optional<String> bearer(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null) return Optional.empty();
        for (String scheme : new String[] {"Bearer ", "JWT "}) {
            if (header.regionMatches(true, 0, scheme, 0, scheme.length())) {
                String token = header.substring(scheme.length()).strip();
                return token.isEmpty() ? Optional.empty() : Optional.of(token);
            }
        }
        return Optional.empty();
    }

    private static int integer(Context ctx, String name, int fallback) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isEmpty()) return fallback;
        try {
            return Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw ImageException.invalid(name, name + " must be an integer");
        }
    }

    private static Boolean bool(Context ctx, String name) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isEmpty()) return null;
        return switch (raw) {
            case "true", "1" -> Boolean.TRUE;
            case "false", "0" -> Boolean.FALSE;
            default -> throw ImageException.invalid(name, name + " must be true or false");
        };
    }
}
