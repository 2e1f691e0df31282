package dev.wharf.storage.meta;

/** A tag of an image: {@code current} while the tag still points at it, false once it was moved or deleted. */
public record ImageTag(String tag, boolean current) {}
