package dev.wharf.storage.meta;

/** How many distinct blobs the registry holds and their total size in bytes. */
public record BlobStats(long count, long bytes) {}
