package dev.wharf.config;

import java.time.Duration;

/** Online garbage collection: whether this node runs passes, how often, and the two grace periods. */
public record GcConfig(boolean enabled, Duration interval, Duration untaggedGrace, Duration blobGrace) {

    static GcConfig from(ConfigValues c) {
        return new GcConfig(c.bool(ConfigKey.GC_ENABLED), c.duration(ConfigKey.GC_INTERVAL),
                c.duration(ConfigKey.GC_UNTAGGED_GRACE), c.duration(ConfigKey.GC_BLOB_GRACE));
    }
}
