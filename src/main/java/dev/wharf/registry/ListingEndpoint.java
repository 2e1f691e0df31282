package dev.wharf.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.content.ManifestService;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * GET /v2/&lt;name&gt;/tags/list and GET /v2/_catalog, answered from the metadata store; a mirror repository's tags
 * from its upstream ({@link PullThrough#tags}).
 */
final class ListingEndpoint {
    private final ManifestService manifests;
    private final ObjectMapper json;
    private final RegistryAccess access;
    private final PullThrough mirrors; // null: no mirrors

    ListingEndpoint(ManifestService manifests, ObjectMapper json, RegistryAccess access, PullThrough mirrors) {
        this.manifests = manifests;
        this.json = json;
        this.access = access;
        this.mirrors = mirrors;
    }

    /**
     * @param name the repository as the client named it (in the body and the Link header)
     * @param repository where it is served from: {@code name}, or the Hub mirror's repository for a Docker Hub name
     */
    void tags(Context ctx, String name, String repository) {
        int n = Pagination.pageSize(ctx);
        String last = Pagination.last(ctx);
        List<String> fetched = mirrors != null && mirrors.mirrored(repository)
                ? after(mirrors.tags(repository), last, n + 1)
                : manifests.tags(repository, last, n + 1);
        List<String> page = Pagination.page(ctx, "/v2/" + name + "/tags/list", fetched, n);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("tags", page);
        Responses.json(ctx, json, 200, body);
    }

    /** Up to {@code limit} of the sorted {@code tags} that come after {@code last} (all when it is null). */
    private static List<String> after(List<String> tags, String last, int limit) {
        int from = 0;
        if (last != null) {
            int at = Collections.binarySearch(tags, last);
            from = at >= 0 ? at + 1 : -at - 1;
        }
        return tags.subList(from, Math.min(tags.size(), from + limit));
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
