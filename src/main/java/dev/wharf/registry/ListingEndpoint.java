package dev.wharf.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.content.ManifestService;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** GET /v2/&lt;name&gt;/tags/list and GET /v2/_catalog, answered from the metadata store. */
final class ListingEndpoint {
    private final ManifestService manifests;
    private final ObjectMapper json;

    ListingEndpoint(ManifestService manifests, ObjectMapper json) {
        this.manifests = manifests;
        this.json = json;
    }

    void tags(Context ctx, String name) {
        int n = Pagination.pageSize(ctx);
        List<String> fetched = manifests.tags(name, Pagination.last(ctx), n + 1);
        List<String> page = Pagination.page(ctx, "/v2/" + name + "/tags/list", fetched, n);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("tags", page);
        Responses.json(ctx, json, 200, body);
    }

    void catalog(Context ctx) {
        int n = Pagination.pageSize(ctx);
        List<String> fetched = manifests.catalog(Pagination.last(ctx), n + 1);
        Responses.json(ctx, json, 200, Map.of("repositories", Pagination.page(ctx, "/v2/_catalog", fetched, n)));
    }
}
