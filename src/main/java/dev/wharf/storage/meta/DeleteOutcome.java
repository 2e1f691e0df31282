package dev.wharf.storage.meta;

/** Result of deleting a manifest. */
public enum DeleteOutcome {
    DELETED,
    NOT_FOUND,
    /** An index in the same repository lists this manifest; delete the index first. */
    REFERENCED_BY_INDEX
}
