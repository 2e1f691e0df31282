package dev.wharf.config;

import java.nio.file.Path;
import java.time.Duration;

/** The validated settings a Wharf node runs with. Built only by {@link ConfigLoader}. */
public record WharfConfig(
        String host,
        int port,
        Path dataDir,
        String dbUrl,
        String dbUser,
        String dbPassword,
        String dbSchema,
        int dbPoolSize,
        String storageDriver,
        Path storageRoot,
        S3 s3,
        Duration uploadsExpireAfter,
        boolean accessLog,
        String logLevel,
        Auth auth,
        Duration auditRetention,
        RateLimit rateLimit,
        String dockerHubUrl,
        boolean trustForwardedFor,
        long uploadMaxBytes,
        Builds builds,
        Gc gc,
        OutboundConfig outbound,
        MirrorsConfig mirrors) {

    /** Dockerfile builds of image sources: time limit and the Git transports repository URLs may use. */
    public record Builds(Duration timeout, java.util.List<String> gitProtocols) {}

    /** Online garbage collection: whether this node runs passes, how often, and the two grace periods. */
    public record Gc(boolean enabled, Duration interval, Duration untaggedGrace, Duration blobGrace) {}

    /** S3 blob storage settings (used when {@code storageDriver} is "s3"). {@code secretKey} is never logged. */
    public record S3(String endpoint, String region, String bucket, String prefix, boolean pathStyle, String accessKey,
            String secretKey, boolean redirect, Duration redirectExpiry) {
        @Override
        public String toString() {
            return "s3://" + bucket + "/" + prefix + " at " + (endpoint.isEmpty() ? "AWS " + region : endpoint)
                    + (accessKey.isEmpty() ? " (default credentials)" : " (access key " + accessKey + ")")
                    + (redirect ? " (redirects, " + redirectExpiry + ")" : "");
        }
    }

    /** Identity and registry-token settings. {@code secretKey} and {@code adminPassword} are never logged. */
    public record Auth(boolean enabled, String secretKey, String adminUser, String adminPassword, String service, String realm,
            Duration tokenTtl, boolean defaultPrivate) {
        @Override
        public String toString() {
            return "Auth[enabled=" + enabled + ", service=" + service + ", realm=" + (realm.isEmpty() ? "<from request>" : realm)
                    + ", tokenTtl=" + tokenTtl + ", defaultPrivate=" + defaultPrivate + "]";
        }
    }

    /** Hub API request budgets per minute: per signed-in account, and per client IP without credentials. */
    /** Hub API budgets per minute, registry pull budgets per window, and where buckets live (empty: in memory). */
    public record RateLimit(boolean enabled, int hubPerMinute, int hubAnonymousPerMinute, int pullsAnonymous,
            int pullsAuthenticated, Duration pullsWindow, String redisUrl) {}

    public boolean isSqlite() {
        return dbUrl.startsWith("jdbc:sqlite:");
    }

    /** A copy listening elsewhere; tests use it to pick a free port. */
    public WharfConfig withPort(int newPort) {
        return new WharfConfig(host, newPort, dataDir, dbUrl, dbUser, dbPassword, dbSchema, dbPoolSize,
                storageDriver, storageRoot, s3, uploadsExpireAfter, accessLog, logLevel, auth, auditRetention, rateLimit,
                dockerHubUrl, trustForwardedFor, uploadMaxBytes, builds, gc, outbound, mirrors);
    }

    /** Hides the password so the config can be logged at start. */
    @Override
    public String toString() {
        return "WharfConfig[addr=" + host + ":" + port + ", dataDir=" + dataDir + ", db=" + redactUrl(dbUrl)
                + ", storage=" + (storageDriver.equals("s3") ? s3 : storageDriver + ":" + storageRoot) + ", uploadsExpireAfter=" + uploadsExpireAfter + "]";
    }

    /** Hides a password given as a URL parameter, so a JDBC URL can appear in logs and error messages. */
    static String redactUrl(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
