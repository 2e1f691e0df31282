package dev.wharf.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.ManifestRecord;
import dev.wharf.storage.meta.MetadataStore;
import dev.wharf.storage.meta.TagEvent;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code GET /v2/namespaces/{namespace}/repositories/{repository}/images/{digest}/details}: Wharf's own, read-only,
 * for the console's image page. The manifest as stored, its referrers (signatures, SBOMs and other artifacts whose
 * subject it is) and every tag event that involved it, oldest first. Read from the metadata store, so looking
 * at an image is not a pull: it neither counts nor makes the image active, as a registry GET would.
 */
final class ImageDetailsEndpoint {
    private final MetadataStore meta;
    private final RepositoryLookup lookup;
    private final HubAuth auth;
    private final ObjectMapper json;

    ImageDetailsEndpoint(HubServices services, HubAuth auth, ObjectMapper json) {
        this.meta = services.meta();
        this.lookup = new RepositoryLookup(services);
        this.auth = auth;
        this.json = json;
    }

    void get(Context ctx) {
        RepositoryLookup.Found repo = lookup.visible(ctx, auth.optional(ctx));
        Digest digest;
        try {
            digest = Digest.parse(HubPath.param(ctx, "digest"));
        } catch (IllegalArgumentException e) {
            throw HubException.invalidField("digest", e.getMessage());
        }
        ManifestRecord m = meta.getManifest(repo.name(), digest)
                .orElseThrow(() -> new HubException(HubError.NOT_FOUND, "No such image in " + repo.name()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("repository", repo.name());
        body.put("digest", m.digest().toString());
        body.put("media_type", m.mediaType());
        body.put("artifact_type", m.artifactType());
        body.put("size", m.totalSize());
        body.put("pushed_at", HubJson.time(m.pushedAt()));
        body.put("last_pulled", HubJson.time(m.lastPulled()));
        body.put("pull_count", m.pullCount());
        body.put("manifest", parse(m.content()));
        // A sparse index (a mirror of some platforms only) lists children that cannot be pulled from here.
        body.put("missing_children", meta.missingChildren(repo.name(), digest).stream().map(Digest::toString)
                .toList());
        body.put("referrers", meta.referrers(repo.name(), digest, null).stream().map(r -> {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("digest", r.digest().toString());
            v.put("media_type", r.mediaType());
            v.put("artifact_type", r.artifactType());
            v.put("size", r.totalSize());
            v.put("pushed_at", HubJson.time(r.pushedAt()));
            return v;
        }).toList());
        List<TagEvent> history = meta.tagHistoryOf(repo.name(), digest);
        body.put("tag_history", history.stream().map(e -> {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("tag", e.tag());
            v.put("action", e.action().name().toLowerCase(Locale.ROOT));
            v.put("digest", e.digest() == null ? null : e.digest().toString());
            v.put("previous", e.previous() == null ? null : e.previous().toString());
            v.put("at", HubJson.time(e.at()));
            return v;
        }).toList());
        HubJson.write(ctx, json, 200, body);
    }

    /** Stored manifests were validated as JSON on push; anything else would be a corrupt row, shown as null. */
    private JsonNode parse(byte[] content) {
        try {
            return json.readTree(content);
        } catch (IOException e) {
            return null;
        }
    }
}
