package dev.wharf.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The metadata database: JDBC URL (SQLite file by default), credentials, schema, pool size, and how long a request
 * waits for a pooled connection (when the database is down, that is how long before it is refused with a 503).
 */
public record DbConfig(String url, String user, String password, String schema, int poolSize, Duration poolTimeout) {

    static DbConfig from(ConfigValues c, Path dataDir) {
        String url = c.string(ConfigKey.DB_URL);
        if (url.isEmpty()) url = "jdbc:sqlite:" + dataDir.resolve("wharf.db");
        if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
            throw c.bad(ConfigKey.DB_URL, redactUrl(url), "must start with jdbc:sqlite: or jdbc:postgresql:");
        }
        return new DbConfig(url, c.raw(ConfigKey.DB_USER), c.raw(ConfigKey.DB_PASSWORD), c.string(ConfigKey.DB_SCHEMA),
                c.integer(ConfigKey.DB_POOL_SIZE, 1, 1000), poolTimeout(c));
    }

    private static Duration poolTimeout(ConfigValues c) {
        Duration d = c.duration(ConfigKey.DB_POOL_TIMEOUT);
        if (d.toMillis() < 250) { // HikariCP's minimum
            throw c.bad(ConfigKey.DB_POOL_TIMEOUT, c.raw(ConfigKey.DB_POOL_TIMEOUT), "must be at least 250ms");
        }
        return d;
    }

    public boolean isSqlite() {
        return url.startsWith("jdbc:sqlite:");
    }

    /** Never shows the password, nor one given as a URL parameter. */
    @Override
    public String toString() {
        return redactUrl(url);
    }

    /** Hides a password given as a URL parameter, so a JDBC URL can appear in logs and error messages. */
    static String redactUrl(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
