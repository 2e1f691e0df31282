package dev.wharf.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.images.DeleteImagesRequest;
import dev.wharf.images.DeleteImagesRequest.IgnoredWarning;
import dev.wharf.images.DeleteImagesRequest.ManifestRef;
import dev.wharf.images.ImageException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code PostNamespacesDeleteImagesRequest} member by member, so a wrong type is a 400 naming the member
 * rather than a parser message. Unknown members are ignored, as everywhere in the Hub API.
 */
final class DeleteImagesBody {

    private DeleteImagesBody() {}

    static DeleteImagesRequest parse(ObjectMapper json, byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            throw ImageException.invalid(null, "the request body must be a JSON object");
        }
        if (root == null || !root.isObject()) throw ImageException.invalid(null, "the request body must be a JSON object");
        JsonNode dryRun = root.path("dry_run");
        if (!dryRun.isMissingNode() && !dryRun.isBoolean()) throw ImageException.invalid("dry_run", "must be a boolean");
        List<ManifestRef> manifests = new ArrayList<>();
        for (JsonNode m : array(root, "manifests")) {
            manifests.add(new ManifestRef(text(m, "repository", "manifests", true), text(m, "digest", "manifests", true)));
        }
        List<IgnoredWarning> ignored = new ArrayList<>();
        for (JsonNode w : array(root, "ignore_warnings")) {
            List<String> tags = null;
            if (w.has("tags") && !w.get("tags").isNull()) {
                tags = new ArrayList<>();
                for (JsonNode t : array(w, "tags")) {
                    if (!t.isTextual()) throw ImageException.invalid("ignore_warnings", "tags must be strings");
                    tags.add(t.asText());
                }
            }
            ignored.add(new IgnoredWarning(text(w, "repository", "ignore_warnings", true),
                    text(w, "digest", "ignore_warnings", true), text(w, "warning", "ignore_warnings", true), tags));
        }
        return new DeleteImagesRequest(dryRun.asBoolean(false), text(root, "active_from", "active_from", false),
                manifests, ignored);
    }

    private static Iterable<JsonNode> array(JsonNode parent, String name) {
        JsonNode node = parent.path(name);
        if (node.isMissingNode() || node.isNull()) return List.of();
        if (!node.isArray()) throw ImageException.invalid(name, name + " must be an array");
        for (JsonNode item : node) {
            if (!name.equals("tags") && !item.isObject()) {
                throw ImageException.invalid(name, name + " must be an array of objects");
            }
        }
        return node;
    }

    private static String text(JsonNode parent, String name, String field, boolean required) {
        JsonNode node = parent.path(name);
        if (node.isMissingNode() || node.isNull()) {
            if (required) throw ImageException.invalid(field, name + " is required");
            return null;
        }
        if (!node.isTextual()) throw ImageException.invalid(field, name + " must be a string");
        return node.asText();
    }
}
