package dev.wharf.upstream;

/** A manifest as the upstream served it: exact bytes, media type and the digest those bytes hash to. */
public record UpstreamManifest(byte[] content, String mediaType, String digest) {}
