package dev.wharf.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.content.ManifestService;
import dev.wharf.content.Names;
import dev.wharf.model.Digest;
import dev.wharf.model.MediaTypes;
import dev.wharf.storage.meta.ManifestRecord;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;: an image index of the manifests whose subject is the digest. An
 * unknown subject gives an empty index, not a 404, as the spec requires. A mirror repository lists its upstream's
 * referrers ({@link PullThrough#referrers}), filtered here.
 */
final class ReferrersEndpoint {
    private final ManifestService manifests;
    private final ObjectMapper json;
    private final PullThrough mirrors; // null: no mirrors

    ReferrersEndpoint(ManifestService manifests, ObjectMapper json, PullThrough mirrors) {
        this.manifests = manifests;
        this.json = json;
        this.mirrors = mirrors;
    }

    void get(Context ctx, String name, String digestText) {
        Digest subject = Names.requireDigest(digestText);
        String artifactType = ctx.queryParam("artifactType");
        if (artifactType != null && artifactType.isEmpty()) artifactType = null;
        Optional<List<JsonNode>> upstream = mirrors != null && mirrors.mirrored(name)
                ? mirrors.referrers(name, subject) : Optional.empty();
        List<Object> descriptors = new ArrayList<>();
        if (upstream.isPresent()) {
            for (JsonNode d : upstream.get()) {
                if (artifactType == null || artifactType.equals(d.path("artifactType").asText(null))) descriptors.add(d);
            }
            index(ctx, descriptors, artifactType);
            return;
        }
        for (ManifestRecord m : manifests.referrers(name, subject, artifactType)) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("mediaType", m.mediaType());
            d.put("digest", m.digest().toString());
            d.put("size", m.content().length);
            if (m.artifactType() != null) d.put("artifactType", m.artifactType());
            if (m.annotationsJson() != null) d.put("annotations", parse(m.annotationsJson()));
            descriptors.add(d);
        }
        index(ctx, descriptors, artifactType);
    }

    private void index(Context ctx, List<Object> descriptors, String artifactType) {
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        index.put("manifests", descriptors);
        if (artifactType != null) ctx.header("OCI-Filters-Applied", "artifactType");
        Responses.json(ctx, json, 200, MediaTypes.OCI_INDEX, index);
    }

    private Object parse(String annotationsJson) {
        try {
            return json.readTree(annotationsJson);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
