package dev.wharf.config;

import java.nio.file.Path;

/**
 * The validated settings a Wharf node runs with, one record per area. Built only by {@link ConfigLoader}; each
 * area validates its own keys in its {@code from(ConfigValues)}, so a new setting touches one area (plus its
 * {@link ConfigKey} and docs/configuration.md).
 */
public record WharfConfig(
        Path dataDir,
        HttpConfig http,
        DbConfig db,
        StorageConfig storage,
        AuthConfig auth,
        RateLimitConfig rateLimit,
        SourcesConfig sources,
        GcConfig gc,
        LogConfig log,
        AuditConfig audit,
        WebhooksConfig webhooks,
        OutboundConfig outbound,
        BuildSandboxConfig buildSandbox,
        TlsConfig tls,
        MirrorsConfig mirrors,
        JobsConfig jobs) {

    /** A copy listening elsewhere; tests use it to pick a free port. */
    public WharfConfig withPort(int newPort) {
        return new WharfConfig(dataDir, http.withPort(newPort), db, storage, auth, rateLimit, sources, gc, log, audit,
                webhooks, outbound, buildSandbox, tls, mirrors, jobs);
    }

    /** Hides passwords and keys, so the config can be logged at start. */
    @Override
    public String toString() {
        return "WharfConfig[addr=" + http.host() + ":" + http.port() + ", dataDir=" + dataDir + ", db=" + db
                + ", storage=" + storage + "]";
    }
}
