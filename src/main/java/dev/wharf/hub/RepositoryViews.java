package dev.wharf.hub;

import dev.wharf.auth.Action;
import dev.wharf.storage.meta.ImmutableTags;
import dev.wharf.storage.meta.RepositorySummary;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Docker Hub's repository shapes built from what Wharf has: {@code repository_info} (one repository; also
 * answers the beta {@code PATCH /v2/repositories/...}, whose {@code repository} schema it contains) and
 * {@code repository_list_entry}. Wharf has no stars, automated builds, categories or collaborators: those are
 * zero or empty. {@code last_updated} is the last push or tag move, else the creation time.
 */
final class RepositoryViews {
    private RepositoryViews() {}

    static Map<String, Object> info(RepositorySummary s, boolean isPrivate, ImmutableTags immutable,
            Set<Action> allowed, Map<String, Object> mirror) {
        String namespace = namespaceOf(s.name());
        Map<String, Object> v = common(s, isPrivate, mirror);
        v.put("user", namespace);
        v.put("is_automated", false);
        v.put("last_updated", HubJson.time(lastUpdated(s)));
        v.put("collaborator_count", 0);
        v.put("affiliation", null);
        v.put("hub_user", namespace);
        v.put("has_starred", false);
        v.put("full_description", s.fullDescription());
        v.put("permissions", Map.of("read", allowed.contains(Action.PULL), "write", allowed.contains(Action.PUSH),
                "admin", allowed.contains(Action.DELETE)));
        v.put("immutable_tags_settings", Map.of("enabled", immutable.enabled(), "rules", immutable.rules()));
        v.put("source", null);
        return v;
    }

    static Map<String, Object> listEntry(RepositorySummary s, boolean isPrivate, Map<String, Object> mirror) {
        Map<String, Object> v = common(s, isPrivate, mirror);
        v.put("last_updated", HubJson.time(s.lastPushed()));
        v.put("affiliation", "");
        return v;
    }

    private static Map<String, Object> common(RepositorySummary s, boolean isPrivate, Map<String, Object> mirror) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", shortName(s.name()));
        v.put("namespace", namespaceOf(s.name()));
        v.put("repository_type", "image");
        v.put("status", 1);
        v.put("status_description", "active");
        v.put("description", s.description());
        v.put("is_private", isPrivate);
        v.put("star_count", 0);
        v.put("pull_count", s.pullCount());
        v.put("last_modified", HubJson.time(lastUpdated(s)));
        v.put("date_registered", HubJson.time(s.createdAt()));
        v.put("media_types", List.of());
        v.put("content_types", List.of());
        v.put("categories", List.of());
        v.put("storage_size", s.storageSize());
        // Wharf's additions, which Docker Hub does not send: the console lists them beside each repository.
        v.put("tag_count", s.tagCount());
        v.put("last_pulled", HubJson.time(s.lastPulled()));
        v.put("mirror", mirror); // a pull-through mirror's repository: its upstream and last check, else null
        return v;
    }

    static Instant lastUpdated(RepositorySummary s) {
        return s.lastPushed() == null ? s.createdAt() : s.lastPushed();
    }

    static String namespaceOf(String repository) {
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }

    static String shortName(String repository) {
        return repository.substring(repository.indexOf('/') + 1);
    }
}
