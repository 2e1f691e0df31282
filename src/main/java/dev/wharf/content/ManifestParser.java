package dev.wharf.content;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.model.CleanText;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.model.Digest;
import dev.wharf.model.MediaTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Validates manifest bytes and extracts their references. Accepts OCI image manifests and indexes and Docker
 * schema 2 manifests and manifest lists; refuses schema 1 with a clear message (it is deprecated and unsigned
 * schema 1 cannot be verified).
 */
public final class ManifestParser {
    /** Layers that live elsewhere (Windows base layers); their blobs are not required to be in the registry. */
    private static final Set<String> FOREIGN_LAYERS = Set.of(
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd");

    private final ObjectMapper json;

    public ManifestParser(ObjectMapper json) {
        this.json = json;
    }

    /**
     * @param contentType the request's Content-Type (may be null)
     */
    public ParsedManifest parse(byte[] content, String contentType) {
        String headerType = baseType(contentType);
        if (MediaTypes.DOCKER_SCHEMA1.equals(headerType) || MediaTypes.DOCKER_SCHEMA1_SIGNED.equals(headerType)) {
            throw new InvalidManifestException("Docker schema 1 manifests are not supported; push schema 2 or OCI");
        }
        JsonNode root;
        try {
            root = json.readTree(content);
        } catch (JsonProcessingException e) {
            throw new InvalidManifestException("manifest is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidManifestException("manifest could not be read");
        }
        if (root == null || !root.isObject()) throw new InvalidManifestException("manifest must be a JSON object");
        requireCleanText(root);
        JsonNode schemaVersion = root.get("schemaVersion");
        if (schemaVersion != null && schemaVersion.isInt() && schemaVersion.intValue() == 1) {
            throw new InvalidManifestException("Docker schema 1 manifests are not supported; push schema 2 or OCI");
        }
        if (schemaVersion == null || !schemaVersion.isInt() || schemaVersion.intValue() != 2) {
            throw new InvalidManifestException("schemaVersion must be 2");
        }
        String fieldType = textOrNull(root, "mediaType");
        String mediaType = resolveMediaType(fieldType, headerType, root);
        Digest subject = root.has("subject") ? descriptor(root.get("subject"), "subject").digest() : null;
        String annotations = annotations(root);
        if (MediaTypes.isIndex(mediaType)) {
            return parseIndex(root, mediaType, subject, annotations);
        }
        return parseImage(root, mediaType, subject, annotations);
    }

    private ParsedManifest parseImage(JsonNode root, String mediaType, Digest subject, String annotations) {
        if (root.has("manifests")) throw new InvalidManifestException("an image manifest must not have 'manifests'");
        Descriptor config = descriptor(root.get("config"), "config");
        JsonNode layers = root.get("layers");
        if (layers == null || !layers.isArray()) throw new InvalidManifestException("'layers' must be an array");
        List<Digest> blobs = new ArrayList<>();
        blobs.add(config.digest());
        long size = config.size();
        for (int i = 0; i < layers.size(); i++) {
            Descriptor layer = descriptor(layers.get(i), "layers[" + i + "]");
            size += layer.size();
            boolean foreign = FOREIGN_LAYERS.contains(layer.mediaType()) && layers.get(i).has("urls");
            if (!foreign && !blobs.contains(layer.digest())) blobs.add(layer.digest());
        }
        String artifactType = textOrNull(root, "artifactType");
        if (artifactType == null) artifactType = config.mediaType();
        return new ParsedManifest(mediaType, artifactType, blobs, List.of(), subject, annotations, size);
    }

    private ParsedManifest parseIndex(JsonNode root, String mediaType, Digest subject, String annotations) {
        if (root.has("layers") || root.has("config")) {
            throw new InvalidManifestException("an index must not have 'config' or 'layers'");
        }
        JsonNode manifests = root.get("manifests");
        if (manifests == null || !manifests.isArray()) throw new InvalidManifestException("'manifests' must be an array");
        List<Digest> children = new ArrayList<>();
        long size = 0;
        for (int i = 0; i < manifests.size(); i++) {
            Descriptor d = descriptor(manifests.get(i), "manifests[" + i + "]");
            size += d.size();
            if (!children.contains(d.digest())) children.add(d.digest());
        }
        return new ParsedManifest(mediaType, textOrNull(root, "artifactType"), List.of(), children, subject,
                annotations, size);
    }

    private static String resolveMediaType(String field, String header, JsonNode root) {
        if (field != null && !MediaTypes.SUPPORTED.contains(field)) {
            throw new InvalidManifestException("unsupported manifest mediaType '" + field + "'");
        }
        if (field != null && header != null && MediaTypes.SUPPORTED.contains(header) && !field.equals(header)) {
            throw new InvalidManifestException(
                    "Content-Type '" + header + "' does not match the manifest's mediaType '" + field + "'");
        }
        if (field != null) return field;
        if (header != null && MediaTypes.SUPPORTED.contains(header)) return header;
        // OCI allows omitting mediaType; tell image from index by shape.
        return root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
    }

    private record Descriptor(String mediaType, Digest digest, long size) {}

    private static Descriptor descriptor(JsonNode node, String where) {
        if (node == null || !node.isObject()) throw new InvalidManifestException("'" + where + "' must be a descriptor");
        String mediaType = textOrNull(node, "mediaType");
        String digestText = textOrNull(node, "digest");
        JsonNode size = node.get("size");
        if (mediaType == null) throw new InvalidManifestException(where + ".mediaType is missing");
        if (digestText == null) throw new InvalidManifestException(where + ".digest is missing");
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (IllegalArgumentException e) {
            throw new InvalidManifestException(where + ".digest '" + digestText + "' is not a valid digest");
        }
        if (size == null || !size.canConvertToLong() || !size.isIntegralNumber() || size.longValue() < 0) {
            throw new InvalidManifestException(where + ".size must be a non-negative integer");
        }
        return new Descriptor(mediaType, digest, size.longValue());
    }

    private String annotations(JsonNode root) {
        JsonNode a = root.get("annotations");
        if (a == null || a.isNull()) return null;
        if (!a.isObject()) throw new InvalidManifestException("'annotations' must be an object");
        try {
            return json.writeValueAsString(a);
        } catch (JsonProcessingException e) {
            throw new InvalidManifestException("'annotations' could not be read");
        }
    }

    /**
     * Every name and string of the manifest must be text a database can keep: a {@code \u0000} escape (or half a
     * surrogate pair) in, say, {@code artifactType} would otherwise reach a text column.
     */
    private static void requireCleanText(JsonNode node) {
        if (node.isTextual()) {
            String problem = CleanText.problem(node.textValue());
            if (problem != null) throw new InvalidManifestException("a string of the manifest " + problem);
            return;
        }
        var fields = node.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            String problem = CleanText.problem(field.getKey());
            if (problem != null) throw new InvalidManifestException("a field name of the manifest " + problem);
            requireCleanText(field.getValue());
        }
        if (node.isArray()) for (JsonNode element : node) requireCleanText(element);
    }

    private static String textOrNull(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }

    /** "application/json; charset=utf-8" → "application/json". */
    static String baseType(String contentType) {
        if (contentType == null || contentType.isBlank()) return null;
        int semi = contentType.indexOf(';');
        return (semi >= 0 ? contentType.substring(0, semi) : contentType).trim().toLowerCase();
    }
}
