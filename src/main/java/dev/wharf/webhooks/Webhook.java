package dev.wharf.webhooks;

import java.time.Instant;
import java.util.List;

/**
 * One receiver URL of a webhook pipeline. {@code repository} is the full repository name, or empty for a
 * namespace hook (fires for every repository of {@code namespace}). The signing secret is never part of it.
 */
public record Webhook(long id, String namespace, String repository, String pipeline, String name, String url,
        List<WebhookEvent> events, String creator, Instant createdAt, Instant updatedAt) {

    public boolean isNamespaceHook() {
        return repository.isEmpty();
    }
}
