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
        Duration uploadsExpireAfter,
        boolean accessLog,
        String logLevel,
        Auth auth,
        String dockerHubUrl) {

    /** Identity and registry-token settings. {@code secretKey} and {@code adminPassword} are never logged. */
    public record Auth(boolean enabled, String secretKey, String adminUser, String adminPassword, String service, String realm,
            Duration tokenTtl, boolean defaultPrivate) {
        @Override
        public String toString() {
            return "Auth[enabled=" + enabled + ", service=" + service + ", realm=" + (realm.isEmpty() ? "<from request>" : realm)
                    + ", tokenTtl=" + tokenTtl + ", defaultPrivate=" + defaultPrivate + "]";
        }
    }

    public boolean isSqlite() {
        return dbUrl.startsWith("jdbc:sqlite:");
    }

    /** A copy listening elsewhere; tests use it to pick a free port. */
    public WharfConfig withPort(int newPort) {
        return new WharfConfig(host, newPort, dataDir, dbUrl, dbUser, dbPassword, dbSchema, dbPoolSize,
                storageDriver, storageRoot, uploadsExpireAfter, accessLog, logLevel, auth, dockerHubUrl);
    }

    /** Hides the password so the config can be logged at start. */
    @Override
    public String toString() {
        return "WharfConfig[addr=" + host + ":" + port + ", dataDir=" + dataDir + ", db=" + redactUrl(dbUrl)
                + ", storage=" + storageDriver + ":" + storageRoot + ", uploadsExpireAfter=" + uploadsExpireAfter + "]";
    }

    private static String redactUrl(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
