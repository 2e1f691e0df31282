package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * One image source as stored. {@code origin} is the shown form (credentials masked); {@code sealedSecrets} is the
 * SecretBox-sealed JSON of the credentials, or null. State is Cycle's ImageSourceState: live, deleting, deleted.
 */
public record ImageSource(
        String id,
        String hub,
        String name,
        String identifier,
        String type,
        ObjectNode origin,
        String sealedSecrets,
        JsonNode builder,
        JsonNode about,
        JsonNode acl,
        long creatorUserId,
        String state,
        Instant stateChanged,
        String stateError,
        Instant createdAt,
        Instant updatedAt,
        Instant deletedAt) {

    /** The repository imports of this source write into; see docs/sources.md. */
    public String repository() {
        return hub + "/" + identifier;
    }
}
