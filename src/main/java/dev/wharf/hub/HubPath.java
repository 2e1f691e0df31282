package dev.wharf.hub;

import io.javalin.http.Context;
import java.util.Map;

/**
 * The parameters of a Hub path, wherever they came from. A repository name may have several segments below its
 * namespace (a mirror's {@code hub/library/alpine} is {@code library/alpine} in namespace {@code hub}; a user may
 * push {@code alice/tools/cli}). A Hub path takes it as one segment, URL-encoded ({@code library%2Falpine}, which
 * Javalin decodes into the path parameter), or as the segments themselves where the path is not ambiguous: those
 * requests are matched by {@link NestedRoutes}, which hands its parameters over here. Handlers read
 * {@code repository}, {@code tag}, {@code digest} and the like through this class, never from the path directly.
 */
final class HubPath {
    private static final String PARAMS = "wharf.hub.nested";

    private HubPath() {}

    /** Parameters found by a nested-name match; they take the place of Javalin's path parameters. */
    static void set(Context ctx, Map<String, String> params) {
        ctx.attribute(PARAMS, Map.copyOf(params));
    }

    static String param(Context ctx, String name) {
        Map<String, String> nested = ctx.attribute(PARAMS);
        if (nested != null && nested.containsKey(name)) return nested.get(name);
        return ctx.pathParam(name);
    }

    /** Whether the path names a parameter (a repository-scoped path has {@code repository}). */
    static boolean has(Context ctx, String name) {
        Map<String, String> nested = ctx.attribute(PARAMS);
        return nested != null && nested.containsKey(name) || ctx.pathParamMap().containsKey(name);
    }
}
