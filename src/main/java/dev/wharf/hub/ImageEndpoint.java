package dev.wharf.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.Principal;
import dev.wharf.images.DeleteImagesReport;
import dev.wharf.images.ImageException;
import dev.wharf.images.ImageListRequest;
import dev.wharf.images.ImageService;
import io.javalin.http.Context;
import java.util.Map;

/**
 * Image management (seed 004): images-summary, images, an image's tags and delete-images, registered by
 * {@link HubRoutes}. Rules live in {@link ImageService}; this class reads parameters, resolves the caller and
 * writes the contract's bodies ({@link ImageBodies}). Refusals of the rules become {@link HubException}s, so
 * {@link HubErrors} writes them like every other Hub failure.
 */
final class ImageEndpoint {
    private final ImageService images;
    private final HubAuth auth;
    private final ObjectMapper json;

    /** @param auth resolves the caller's session; null when auth is disabled and the registry is open to all */
    ImageEndpoint(ImageService images, HubAuth auth, ObjectMapper json) {
        this.images = images;
        this.auth = auth;
        this.json = json;
    }

    void summary(Context ctx) {
        Principal caller = caller(ctx);
        HubJson.write(ctx, json, 200, ImageBodies.summary(rules(() -> images.summary(caller,
                ctx.pathParam("namespace"), HubPath.param(ctx, "repository"), ctx.queryParam("active_from")))));
    }

    void list(Context ctx) {
        Principal caller = caller(ctx);
        Pages pages = Pages.of(ctx);
        ImageListRequest request = new ImageListRequest(ctx.queryParam("status"), bool(ctx, "currently_tagged"),
                ctx.queryParam("ordering"), ctx.queryParam("active_from"), pages.page(), pages.pageSize());
        HubJson.write(ctx, json, 200, ImageBodies.images(ctx, rules(() -> images.list(caller,
                ctx.pathParam("namespace"), HubPath.param(ctx, "repository"), request))));
    }

    void tags(Context ctx) {
        Principal caller = caller(ctx);
        Pages pages = Pages.of(ctx);
        HubJson.write(ctx, json, 200, ImageBodies.tags(ctx, rules(() -> images.tags(caller,
                ctx.pathParam("namespace"), HubPath.param(ctx, "repository"), HubPath.param(ctx, "digest"), pages.page(),
                pages.pageSize()))));
    }

    void delete(Context ctx) {
        Principal caller = caller(ctx);
        DeleteImagesReport report = rules(() -> images.delete(caller, ctx.pathParam("namespace"),
                DeleteImagesBody.parse(json, ctx.bodyAsBytes())));
        if (report.refused()) {
            HubJson.write(ctx, json, 400, ImageBodies.refused(report));
        } else {
            HubJson.write(ctx, json, 200, ImageBodies.deleted(report));
        }
    }

    private Principal caller(Context ctx) {
        return auth == null ? Principal.ANONYMOUS : auth.require(ctx);
    }

    private interface Rule<T> {
        T run();
    }

    /** Runs a rule, translating its refusals into the Hub's errors. */
    private static <T> T rules(Rule<T> rule) {
        try {
            return rule.run();
        } catch (ImageException e) {
            throw switch (e.kind()) {
                case INVALID -> e.field() == null ? HubException.invalid(e.getMessage(), Map.of())
                        : HubException.invalidField(e.field(), e.getMessage());
                case NOT_FOUND -> new HubException(HubError.NOT_FOUND, e.getMessage());
            };
        }
    }

    private static Boolean bool(Context ctx, String name) {
        String raw = ctx.queryParam(name);
        if (raw == null || raw.isEmpty()) return null;
        return switch (raw) {
            case "true", "1" -> Boolean.TRUE;
            case "false", "0" -> Boolean.FALSE;
            default -> throw HubException.invalidField(name, "Must be true or false.");
        };
    }
}
