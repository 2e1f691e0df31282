package dev.wharf.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Image sources: where docker-hub origins import from, the largest tarball upload, and Dockerfile builds. */
public record SourcesConfig(String dockerHubUrl, long uploadMaxBytes, Builds builds) {

    /** Dockerfile builds of image sources: time limit and the Git transports repository URLs may use. */
    public record Builds(Duration timeout, List<String> gitProtocols) {}

    static SourcesConfig from(ConfigValues c) {
        return new SourcesConfig(c.string(ConfigKey.SOURCES_DOCKER_HUB_URL),
                c.longValue(ConfigKey.SOURCES_UPLOAD_MAX_BYTES, 1),
                new Builds(c.duration(ConfigKey.SOURCES_BUILD_TIMEOUT), gitProtocols(c)));
    }

    /** A comma list of Git transport names (git's GIT_ALLOW_PROTOCOL takes them colon-separated). */
    private static List<String> gitProtocols(ConfigValues c) {
        String text = c.string(ConfigKey.SOURCES_BUILD_GIT_PROTOCOLS);
        List<String> names = new ArrayList<>();
        for (String p : text.split(",")) {
            String name = p.trim().toLowerCase(Locale.ROOT);
            if (!name.matches("[a-z][a-z0-9+.-]*")) {
                throw c.bad(ConfigKey.SOURCES_BUILD_GIT_PROTOCOLS, text, "a comma list of Git transports, e.g. https,ssh");
            }
            names.add(name);
        }
        return List.copyOf(names);
    }
}
