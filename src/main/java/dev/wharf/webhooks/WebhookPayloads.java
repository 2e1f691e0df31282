package dev.wharf.webhooks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * The bodies Wharf sends. A push goes out in Docker Hub's format, so receivers written for Docker Hub work
 * unchanged; every other event in Wharf's own format, versioned by {@code wharf_event_version} (fields are only
 * ever added within a version). Both are built inside the transaction that recorded the event, so they describe
 * the repository as it was then.
 */
final class WebhookPayloads {
    /** Bumped only for an incompatible change of the Wharf event format. */
    static final int WHARF_EVENT_VERSION = 1;

    private final ObjectMapper json;
    private final String publicUrl;
    private final boolean privateByDefault;

    /**
     * @param publicUrl the server's external base URL (no trailing slash), for {@code callback_url} and
     *     {@code repo_url}
     */
    WebhookPayloads(ObjectMapper json, String publicUrl, boolean privateByDefault) {
        this.json = json;
        this.publicUrl = publicUrl;
        this.privateByDefault = privateByDefault;
    }

    /** Docker Hub's push payload: {@code callback_url}, {@code push_data}, {@code repository}. */
    String push(Handle h, Webhook hook, String repository, String tag, String digest, String pusher, Instant at) {
        Map<String, Object> pushData = new LinkedHashMap<>();
        pushData.put("pushed_at", at.getEpochSecond());
        pushData.put("pusher", pusher);
        pushData.put("tag", tag);
        pushData.put("images", java.util.List.of());
        pushData.put("digest", digest); // Wharf's addition: the manifest the tag now names
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("callback_url", publicUrl + pipelinePath(hook));
        body.put("push_data", pushData);
        body.put("repository", repository(h, repository));
        return write(body);
    }

    /** Wharf's format for every other event; {@code data} carries the event's own fields. */
    String wharfEvent(String eventId, WebhookEvent event, String repository, String actor, Map<String, String> data,
            Instant at) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("wharf_event_version", WHARF_EVENT_VERSION);
        body.put("event_id", eventId);
        body.put("event", event.wireName());
        body.put("occurred_at", at.toString());
        body.put("actor", actor);
        body.put("namespace", namespaceOf(repository));
        body.put("repository", repository);
        body.put("data", data);
        return write(body);
    }

    /** Docker Hub's {@code repository} object, filled from Wharf's rows (stars and comments do not exist: 0). */
    private Map<String, Object> repository(Handle h, String name) {
        String namespace = namespaceOf(name);
        Map<String, Object> details = h.createQuery("SELECT description, full_description FROM repository_details"
                        + " WHERE repository = :r")
                .bind("r", name).mapToMap().findOne().orElse(Map.of());
        long created = h.createQuery("SELECT created_at FROM repositories WHERE name = :r").bind("r", name)
                .mapTo(Long.class).findOne().orElse(0L);
        boolean isPrivate = h.createQuery("SELECT is_private FROM repository_settings WHERE repository = :r")
                .bind("r", name).mapTo(Boolean.class).findOne().orElse(privateByDefault);
        Map<String, Object> repo = new LinkedHashMap<>();
        repo.put("comment_count", 0);
        repo.put("date_created", created / 1000);
        repo.put("description", details.getOrDefault("description", ""));
        repo.put("dockerfile", "");
        repo.put("full_description", details.getOrDefault("full_description", ""));
        repo.put("is_official", false);
        repo.put("is_private", isPrivate);
        repo.put("is_trusted", false);
        repo.put("name", name.substring(namespace.length() + 1));
        repo.put("namespace", namespace);
        repo.put("owner", namespace);
        repo.put("repo_name", name);
        repo.put("repo_url", publicUrl + "/v2/repositories/" + name + "/");
        repo.put("star_count", 0);
        repo.put("status", "Active");
        return repo;
    }

    private static String pipelinePath(Webhook hook) {
        String scope = hook.isNamespaceHook() ? "/v2/namespaces/" + hook.namespace()
                : "/v2/repositories/" + hook.repository();
        return scope + "/webhook_pipeline/" + hook.pipeline() + "/";
    }

    static String namespaceOf(String repository) {
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }

    private String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
