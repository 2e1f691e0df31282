package dev.wharf.storage.meta;

import dev.wharf.model.Digest;
import java.time.Instant;

/**
 * One entry of tag history. {@code action} is PUSH (tag created), MOVE (tag pointed elsewhere; {@code
 * previous} holds the old digest) or DELETE (tag removed; {@code digest} is what it pointed at).
 */
public record TagEvent(String repository, String tag, Digest digest, Digest previous, Action action, Instant at) {
    public enum Action { PUSH, MOVE, DELETE }
}
