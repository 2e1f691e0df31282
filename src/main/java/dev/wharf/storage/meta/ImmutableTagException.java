package dev.wharf.storage.meta;

import dev.wharf.model.Digest;

/** A push tried to move a tag the repository's policy makes immutable; nothing was written. */
public class ImmutableTagException extends RuntimeException {
    private final String tag;
    private final Digest current;

    public ImmutableTagException(String tag, Digest current) {
        super("tag " + tag + " is immutable and already points at " + current, null, false, false);
        this.tag = tag;
        this.current = current;
    }

    public String tag() {
        return tag;
    }

    public Digest current() {
        return current;
    }
}
