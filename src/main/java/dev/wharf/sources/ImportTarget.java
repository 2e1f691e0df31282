package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.upstream.Credentials;
import java.util.Set;

/**
 * Where an import pulls from: registry URL, repository, reference and credentials, derived from a source's
 * (revealed) origin. Only registry origins can be imported today; the others are refused before a job exists.
 */
record ImportTarget(String url, String repository, String reference, Credentials credentials,
        boolean allowPlainHttp) {
    /** Origin detail that lets credentials go over plain HTTP (docs/sources.md); off unless set. */
    static final String ALLOW_PLAIN_HTTP = "allow_plain_http";
    static final Set<String> SUPPORTED = Set.of("docker-hub", "docker-registry", "oci-registry");

    static boolean supports(String originType) {
        return SUPPORTED.contains(originType);
    }

    static ImportTarget of(JsonNode origin, String dockerHubUrl) {
        String type = origin.path("type").asText();
        JsonNode d = origin.path("details");
        String target = d.path("target").asText();
        return switch (type) {
            case "docker-hub" -> {
                String[] ref = split(target);
                String repo = ref[0].contains("/") ? ref[0] : "library/" + ref[0]; // Hub's official images
                // Docker Hub (or the configured mirror): plain HTTP only when the server's own setting says so.
                yield new ImportTarget(dockerHubUrl, repo, ref[1], creds(d.path("username"), d.path("token")),
                        dockerHubUrl.startsWith("http://"));
            }
            case "docker-registry" -> {
                String[] ref = split(target);
                JsonNode secret = d.hasNonNull("password") ? d.path("password") : d.path("token");
                yield new ImportTarget(d.path("url").asText(), ref[0], ref[1], creds(d.path("username"), secret),
                        d.path(ALLOW_PLAIN_HTTP).asBoolean(false));
            }
            case "oci-registry" -> {
                String[] ref = split(target);
                JsonNode auth = d.path("auth");
                String authType = auth.path("type").asText("");
                if (!authType.isEmpty() && !authType.equals("user")) {
                    throw new CycleException(CycleError.NOT_COMPATIBLE, "importing with " + authType
                            + " registry authentication is not supported yet; use user credentials");
                }
                yield new ImportTarget(d.path("url").asText(), ref[0], ref[1],
                        creds(auth.path("details").path("username"), auth.path("details").path("token")),
                        d.path(ALLOW_PLAIN_HTTP).asBoolean(false));
            }
            default -> throw new CycleException(CycleError.NOT_COMPATIBLE, "importing from " + type
                    + " origins is not supported yet; supported: docker-hub, docker-registry, oci-registry");
        };
    }

    /** {@code name:tag}, {@code name@digest} or {@code name} (meaning {@code latest}). */
    static String[] split(String target) {
        int at = target.indexOf('@');
        if (at > 0) return new String[] {target.substring(0, at), target.substring(at + 1)};
        int colon = target.lastIndexOf(':');
        if (colon > 0 && !target.substring(colon).contains("/")) {
            return new String[] {target.substring(0, colon), target.substring(colon + 1)};
        }
        return new String[] {target, "latest"};
    }

    private static Credentials creds(JsonNode user, JsonNode secret) {
        if (user.isMissingNode() || user.asText("").isEmpty() || secret.isMissingNode() || secret.asText("").isEmpty()) {
            return null;
        }
        return new Credentials(user.asText(), secret.asText());
    }

    /** The tag the import writes: the upstream tag, or {@code latest} for a digest reference. */
    String tag() {
        return reference.contains(":") ? "latest" : reference;
    }
}
