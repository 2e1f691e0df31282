package dev.wharf.storage.meta;

import java.time.Instant;
import java.util.Set;

/**
 * Conditions checked inside the deleting transaction, so a decision made from an earlier read (an image was
 * inactive, these were its tags) still holds when the rows go.
 *
 * @param inactiveSince refuse if the manifest was pushed or pulled at or after this instant; null: no check
 * @param allowedTags refuse if a current tag of the manifest is not in this set; null: any tags may go
 */
public record DeleteGuard(Instant inactiveSince, Set<String> allowedTags) {

    public static final DeleteGuard NONE = new DeleteGuard(null, null);

    public DeleteGuard {
        allowedTags = allowedTags == null ? null : Set.copyOf(allowedTags);
    }
}
