package dev.wharf.webhooks;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a hook may subscribe to. {@code push} is delivered in Docker Hub's payload format; the others in Wharf's
 * versioned event format (docs/hub-api.md, "Webhooks").
 */
public enum WebhookEvent {
    PUSH("push"),
    TAG_DELETED("tag.deleted"),
    IMAGE_DELETED("image.deleted"),
    IMPORT_COMPLETED("import.completed"),
    IMPORT_FAILED("import.failed"),
    BUILD_COMPLETED("build.completed"),
    BUILD_FAILED("build.failed");

    private final String wireName;

    WebhookEvent(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<WebhookEvent> byWireName(String name) {
        return Arrays.stream(values()).filter(e -> e.wireName.equals(name)).findFirst();
    }
}
