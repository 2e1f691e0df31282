package dev.wharf.hub;

import java.util.Map;
import java.util.Optional;

/**
 * What the repository views show of a pull-through mirror's repository (implemented by {@code dev.wharf.mirror}):
 * the Wharf addition {@code mirror}, e.g. {@code {"name": "hub", "upstream": "https://registry-1.docker.io",
 * "upstream_repository": "library/alpine", "last_revalidated": "…"}}, null for other repositories.
 */
public interface MirrorViews {
    Optional<Map<String, Object>> describe(String repository);

    /** Whether {@code namespace} is a mirror's (its repositories are listed like an account's). */
    boolean isMirror(String namespace);

    MirrorViews NONE = new MirrorViews() {
        @Override
        public Optional<Map<String, Object>> describe(String repository) {
            return Optional.empty();
        }

        @Override
        public boolean isMirror(String namespace) {
            return false;
        }
    };
}
