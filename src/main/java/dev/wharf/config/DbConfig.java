package dev.wharf.config;

import java.nio.file.Path;

/** The metadata database: JDBC URL (SQLite file by default), credentials, schema and pool size. */
public record DbConfig(String url, String user, String password, String schema, int poolSize) {

    static DbConfig from(ConfigValues c, Path dataDir) {
        String url = c.string(ConfigKey.DB_URL);
        if (url.isEmpty()) url = "jdbc:sqlite:" + dataDir.resolve("wharf.db");
        if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
            throw c.bad(ConfigKey.DB_URL, redactUrl(url), "must start with jdbc:sqlite: or jdbc:postgresql:");
        }
        return new DbConfig(url, c.raw(ConfigKey.DB_USER), c.raw(ConfigKey.DB_PASSWORD), c.string(ConfigKey.DB_SCHEMA),
                c.integer(ConfigKey.DB_POOL_SIZE, 1, 1000));
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
