package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Validates Cycle's ImageOrigin variants and splits them into what may be shown and what must be sealed.
 *
 * <p>Every credential field ({@link #SECRET_KEYS}, wherever it appears in the origin) is moved to a separate
 * object keyed by JSON pointer, to be sealed with SecretBox, and replaced by {@link #MASK} in the stored and
 * returned origin (masking rather than omitting keeps the variants whose schema requires the field valid).
 * A request that sends the mask back, as a client echoing a GET does, keeps the stored secret.
 */
final class Origins {
    static final String MASK = "********";
    static final Set<String> SECRET_KEYS = Set.of("token", "password", "passphrase", "private_key", "api_key",
            "secret", "config");
    static final Set<String> TYPES = Set.of("docker-hub", "docker-file", "docker-registry", "oci-registry",
            "cycle-upload", "cycle-source", "none");
    /** name[:tag] or name@digest, as Docker parses an image reference (the registry host is in {@code url}). */
    private static final Pattern TARGET = Pattern.compile(
            "[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?"
                    + "(@[a-z0-9]+([+._-][a-z0-9]+)*:[A-Za-z0-9=_-]+)?");

    /** {@code scheme://user:password@} at the start of a URL. */
    private static final Pattern CREDENTIALS_IN_URL = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://[^/@]*@");

    record Split(ObjectNode shown, ObjectNode secrets) {}

    private Origins() {}

    /**
     * @param previousSecrets the source's current secrets (for masked values sent back), or an empty object
     */
    static Split parse(JsonNode origin, String at, ObjectNode previousSecrets) {
        return parse(origin, at, previousSecrets, null);
    }

    /**
     * As {@link #parse(JsonNode, String, ObjectNode)} for an update: a masked secret sent back keeps the stored
     * one only while everything that decides where it is sent is unchanged ({@link #destinationFields}); else the
     * request must carry the credential again, so nobody who may edit a source can redirect its owner's secret
     * to a host of their choosing.
     *
     * @param previousOrigin the source's current (shown) origin; null when creating
     */
    static Split parse(JsonNode origin, String at, ObjectNode previousSecrets, JsonNode previousOrigin) {
        if (origin == null || origin.isNull()) throw CycleException.invalid(at, "origin is required");
        if (!origin.isObject()) throw CycleException.invalid(at, "origin must be an object");
        String type = text(origin, "type", at, true);
        if (!TYPES.contains(type)) {
            throw CycleException.invalid(at + "/type", "unknown origin type '" + type + "'; expected one of "
                    + String.join(", ", new java.util.TreeSet<>(TYPES)));
        }
        JsonNode details = origin.get("details");
        String d = at + "/details";
        switch (type) {
            case "none" -> {
                return new Split(JsonNodeFactory.instance.objectNode().put("type", "none"),
                        JsonNodeFactory.instance.objectNode());
            }
            case "cycle-source" -> throw CycleException.invalid(at + "/type", "a cycle-source origin refers to an"
                    + " existing image source and belongs in stacks; an image source cannot have it");
            default -> requireObject(details, d);
        }
        switch (type) {
            case "docker-hub" -> {
                target(details, d);
                optionalText(details, "username", d);
                optionalText(details, "token", d);
                existing(details, d);
            }
            case "docker-registry" -> {
                target(details, d);
                url(details, d);
                optionalBoolean(details, ImportTarget.ALLOW_PLAIN_HTTP, d);
                for (String f : new String[] {"username", "token", "password"}) optionalText(details, f, d);
                existing(details, d);
            }
            case "oci-registry" -> {
                target(details, d);
                url(details, d);
                optionalBoolean(details, ImportTarget.ALLOW_PLAIN_HTTP, d);
                existing(details, d);
                registryAuth(details.get("auth"), d + "/auth");
            }
            case "docker-file" -> dockerFile(details, d);
            case "cycle-upload" -> {
                text(details, "token", d, true);
                text(details, "expires", d, true);
            }
            default -> throw new IllegalStateException(type);
        }
        ObjectNode shown = origin.deepCopy();
        ObjectNode secrets = JsonNodeFactory.instance.objectNode();
        extract(shown, "", secrets, previousSecrets, p -> previousOrigin == null
                || destinationFields(p).stream().allMatch(f -> previousOrigin.at(f).equals(origin.at(f))), at);
        return new Split(shown, secrets);
    }

    /** The origin with its secrets put back, for the import job only. */
    static ObjectNode reveal(JsonNode shown, JsonNode secrets) {
        ObjectNode full = shown.deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> it = secrets.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode parent = full.at(e.getKey().substring(0, e.getKey().lastIndexOf('/')));
            if (parent instanceof ObjectNode o) o.set(e.getKey().substring(e.getKey().lastIndexOf('/') + 1), e.getValue());
        }
        return full;
    }

    private static void extract(JsonNode node, String pointer, ObjectNode secrets, ObjectNode previous,
            java.util.function.Predicate<String> mayKeep, String at) {
        if (node instanceof ObjectNode o) {
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String p = pointer + "/" + e.getKey();
                if (SECRET_KEYS.contains(e.getKey()) && e.getValue().isTextual()) {
                    String value = e.getValue().asText();
                    if (MASK.equals(value)) {
                        if (previous.has(p) && !mayKeep.test(p)) {
                            throw CycleException.invalid(at + p, "the origin's type or URL changed: send this"
                                    + " credential again (the stored one is only kept for the same destination)");
                        }
                        if (previous.has(p)) secrets.set(p, previous.get(p));
                    } else if (!value.isEmpty()) {
                        secrets.put(p, value);
                    }
                    e.setValue(JsonNodeFactory.instance.textNode(MASK));
                } else {
                    extract(e.getValue(), p, secrets, previous, mayKeep, at);
                }
            }
        } else if (node != null && node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                extract(node.get(i), pointer + "/" + i, secrets, previous, mayKeep, at);
            }
        }
    }

    private static final Pattern BUILD_CREDENTIAL = Pattern.compile("^(/details/credentials/\\d+)/");

    /**
     * The origin fields (JSON pointers) that decide where the secret at {@code pointer} is sent: the origin's type,
     * and the URL it belongs to (a base-image credential's own url, the Git repository's url, or the registry's
     * url and whether plain HTTP is allowed).
     */
    static java.util.List<String> destinationFields(String pointer) {
        java.util.regex.Matcher m = BUILD_CREDENTIAL.matcher(pointer);
        if (m.find()) return java.util.List.of("/type", m.group(1) + "/url");
        if (pointer.startsWith("/details/repo/")) return java.util.List.of("/type", "/details/repo/url");
        return java.util.List.of("/type", "/details/url", "/details/" + ImportTarget.ALLOW_PLAIN_HTTP,
                "/details/targz_url");
    }

    private static void dockerFile(JsonNode details, String d) {
        existing(details, d);
        for (String f : new String[] {"targz_url", "context_dir", "build_file"}) optionalTextOrNull(details, f, d);
        JsonNode repo = details.get("repo");
        if (repo != null && !repo.isNull()) {
            requireObject(repo, d + "/repo");
            String url = text(repo, "url", d + "/repo", true);
            if (CREDENTIALS_IN_URL.matcher(url).find()) {
                throw CycleException.invalid(d + "/repo/url", "put the repository's credentials in repo.auth, not in"
                        + " its URL (a URL is shown in responses and logs)");
            }
            optionalText(repo, "branch", d + "/repo");
            repoRef(repo.get("ref"), d + "/repo/ref");
            JsonNode auth = repo.get("auth");
            if (auth != null && !auth.isNull()) {
                String a = d + "/repo/auth";
                requireObject(auth, a);
                String t = text(auth, "type", a, true);
                JsonNode cred = auth.get("credentials");
                requireObject(cred, a + "/credentials");
                switch (t) {
                    case "http" -> {
                        text(cred, "username", a + "/credentials", true);
                        text(cred, "password", a + "/credentials", true);
                    }
                    case "ssh" -> {
                        for (String f : new String[] {"username", "passphrase", "private_key"}) {
                            text(cred, f, a + "/credentials", true);
                        }
                    }
                    default -> throw CycleException.invalid(a + "/type", "repository auth type is http or ssh");
                }
            }
        }
        // Neither repo nor targz_url: the build context is uploaded (POST /v1/images/{id}/upload).
        String targz = text(details, "targz_url", d, false);
        if (targz != null && !isHttpUrl(targz)) {
            throw CycleException.invalid(d + "/targz_url", "not an http(s) URL without credentials: " + targz);
        }
        for (String f : new String[] {"context_dir", "build_file"}) {
            String path = text(details, f, d, false);
            if (path != null && (path.startsWith("/") || java.util.Arrays.asList(path.split("/")).contains(".."))) {
                throw CycleException.invalid(d + "/" + f, f + " must be a path inside the repository: " + path);
            }
        }
        JsonNode creds = details.get("credentials");
        if (creds != null && !creds.isNull()) {
            if (!creds.isArray()) throw CycleException.invalid(d + "/credentials", "credentials must be an array");
            for (int i = 0; i < creds.size(); i++) {
                requireObject(creds.get(i), d + "/credentials/" + i);
                for (String f : new String[] {"url", "username", "token"}) {
                    optionalText(creds.get(i), f, d + "/credentials/" + i);
                }
            }
        }
    }

    /** Cycle's RepoType.ref: which commit to build, {@code {type: branch|tag|hash, value}}. */
    private static void repoRef(JsonNode ref, String at) {
        if (ref == null || ref.isNull()) return;
        requireObject(ref, at);
        String type = text(ref, "type", at, true);
        String value = text(ref, "value", at, true);
        switch (type) {
            case "branch", "tag" -> {
                if (value.startsWith("-")) throw CycleException.invalid(at + "/value", "not a " + type + " name: " + value);
            }
            case "hash" -> {
                if (!value.matches("[0-9a-f]{7,64}")) {
                    throw CycleException.invalid(at + "/value", "a commit hash is 7 to 64 lowercase hex digits");
                }
            }
            default -> throw CycleException.invalid(at + "/type", "ref type is branch, tag or hash");
        }
    }

    private static void registryAuth(JsonNode auth, String a) {
        if (auth == null || auth.isNull()) return;
        requireObject(auth, a);
        String type = text(auth, "type", a, true);
        JsonNode details = auth.get("details");
        requireObject(details, a + "/details");
        switch (type) {
            case "user" -> {
                optionalText(details, "username", a + "/details");
                optionalText(details, "token", a + "/details");
            }
            case "provider" -> {
                if (!"ecr".equals(text(details, "flavor", a + "/details", true))) {
                    throw CycleException.invalid(a + "/details/flavor", "the only provider flavor is ecr");
                }
                requireObject(details.get("credentials"), a + "/details/credentials");
            }
            case "webhook" -> {
                String url = text(details, "url", a + "/details", true);
                if (!isHttpUrl(url)) throw CycleException.invalid(a + "/details/url", "not an http(s) URL: " + url);
            }
            default -> throw CycleException.invalid(a + "/type", "registry auth type is user, provider or webhook");
        }
    }

    private static void target(JsonNode details, String d) {
        String target = text(details, "target", d, true);
        if (!TARGET.matcher(target).matches()) {
            throw CycleException.invalid(d + "/target", "not an image reference (name[:tag] or name@digest): "
                    + target);
        }
    }

    private static void url(JsonNode details, String d) {
        String url = text(details, "url", d, true);
        if (!isRegistryUrl(url)) {
            throw CycleException.invalid(d + "/url", "not a registry URL (https://host[:port] or host[:port]): "
                    + url);
        }
    }

    /** Accepts {@code host[:port]} (what Docker users type) or an http(s) URL with no query or fragment. */
    static boolean isRegistryUrl(String url) {
        String full = url.contains("://") ? url : "https://" + url;
        return isHttpUrl(full);
    }

    static boolean isTarget(String target) {
        return TARGET.matcher(target).matches();
    }

    static boolean isHttpUrl(String url) {
        try {
            URI u = new URI(url);
            return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null
                    && u.getRawQuery() == null && u.getRawFragment() == null && u.getRawUserInfo() == null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static void existing(JsonNode details, String d) {
        JsonNode e = details.get("existing");
        if (e == null || e.isNull()) return;
        requireObject(e, d + "/existing");
        optionalText(e, "source_id", d + "/existing");
    }

    private static void optionalBoolean(JsonNode parent, String field, String at) {
        JsonNode v = parent.get(field);
        if (v != null && !v.isNull() && !v.isBoolean()) throw CycleException.invalid(at + "/" + field,
                field + " must be true or false");
    }

    private static void requireObject(JsonNode node, String at) {
        if (node == null || node.isNull()) throw CycleException.invalid(at, at.substring(at.lastIndexOf('/') + 1)
                + " is required");
        if (!node.isObject()) throw CycleException.invalid(at, "must be an object");
    }

    static String text(JsonNode parent, String field, String at, boolean required) {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isBlank())) {
            if (required) throw CycleException.invalid(at + "/" + field, field + " is required");
            return null;
        }
        if (!v.isTextual()) throw CycleException.invalid(at + "/" + field, field + " must be a string");
        return v.asText();
    }

    private static void optionalText(JsonNode parent, String field, String at) {
        JsonNode v = parent.get(field);
        if (v != null && !v.isTextual()) throw CycleException.invalid(at + "/" + field, field + " must be a string");
    }

    private static void optionalTextOrNull(JsonNode parent, String field, String at) {
        JsonNode v = parent.get(field);
        if (v != null && !v.isNull() && !v.isTextual()) {
            throw CycleException.invalid(at + "/" + field, field + " must be a string or null");
        }
    }
}
