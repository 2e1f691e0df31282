package dev.wharf.sources;

/** The Cycle capabilities this surface checks; see docs/sources.md for how Wharf roles map onto them. */
public enum Capability {
    SOURCES_VIEW("images-sources-view"),
    SOURCES_MANAGE("images-sources-manage"),
    IMAGES_VIEW("images-view"),
    IMAGES_MANAGE("images-manage"),
    IMAGES_IMPORT("images-import"),
    JOBS_VIEW("apionly-jobs-view");

    private final String wire;

    Capability(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }
}
