package dev.wharf.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.content.ManifestService;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** GET /v2/&lt;name&gt;/tags/list and GET /v2/_catalog, answered from the metadata store. */
final class ListingEndpoint {
    private final ManifestService manifests;
    private final ObjectMapper json;
    private final RegistryAccess access;

    ListingEndpoint(ManifestService manifests, ObjectMapper json, RegistryAccess access) {
        this.manifests = manifests;
        this.json = json;
        this.access = access;
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

    /**
     * The catalog shows only repositories the caller may see. Hidden ones are skipped while filling the page,
     * so pages stay full and the Link header never points at a private name.
     */
    void catalog(Context ctx) {
        int n = Pagination.pageSize(ctx);
        String after = Pagination.last(ctx);
        access.visible(ctx, List.of()); // authenticate first, so an empty registry is not told apart either
        List<String> visible = new ArrayList<>();
        boolean exhausted = false;
        while (visible.size() <= n && !exhausted) {
            List<String> batch = manifests.catalog(after, Math.max(n + 1, 100));
            exhausted = batch.size() < Math.max(n + 1, 100);
            if (batch.isEmpty()) break;
            after = batch.get(batch.size() - 1);
            visible.addAll(access.visible(ctx, batch));
        }
        if (visible.size() > n + 1) visible = visible.subList(0, n + 1);
        Responses.json(ctx, json, 200, Map.of("repositories", Pagination.page(ctx, "/v2/_catalog", visible, n)));
    }
}
