package dev.wharf.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Every setting Wharf understands, in one place. Each key has a YAML path (nested maps in wharf.yaml), an
 * environment variable (WHARF_ + path upper-cased, dots as underscores) and a CLI flag (--path with dots and
 * underscores as dashes). docs/configuration.md documents the same list; a test keeps the two in step.
 */
public enum ConfigKey {
    ADDR("addr", "0.0.0.0:5000", "host:port the HTTP server listens on"),
    DATA_DIR("data_dir", "./data", "directory for the SQLite database, blobs and keys"),
    DB_URL("db.url", "", "JDBC URL; empty = SQLite file <data_dir>/wharf.db; jdbc:postgresql://... for PostgreSQL"),
    DB_USER("db.user", "", "database user (PostgreSQL)"),
    DB_PASSWORD("db.password", "", "database password (PostgreSQL); never logged"),
    DB_SCHEMA("db.schema", "", "PostgreSQL schema to use (created if missing); empty = the user's default"),
    DB_POOL_SIZE("db.pool_size", "16", "maximum database connections"),
    STORAGE_DRIVER("storage.driver", "filesystem", "blob storage: filesystem"),
    STORAGE_FILESYSTEM_ROOT("storage.filesystem.root", "", "blob directory; empty = <data_dir>/storage"),
    UPLOADS_EXPIRE_AFTER("uploads.expire_after", "24h", "idle upload sessions older than this are removed"),
    SECRET_KEY("secret_key", "", "base64 256-bit key encrypting stored secrets; empty = <data_dir>/secret.key"),
    ADMIN_USER("admin.user", "admin", "name of the admin created at first start when no user exists"),
    ADMIN_PASSWORD("admin.password", "", "its password; empty = generate one and print it once to the log"),
    AUTH_ENABLED("auth.enabled", "true",
            "require registry tokens on /v2/; false = an open registry for trusted networks and benchmarks"),
    AUTH_SERVICE("auth.service", "wharf", "service name in registry tokens (the token's audience)"),
    AUTH_REALM("auth.realm", "", "token endpoint URL announced to clients; empty = <request scheme and host>/token"),
    AUTH_TOKEN_TTL("auth.token_ttl", "5m", "lifetime of registry bearer tokens"),
    REPOSITORIES_DEFAULT_PRIVATE("repositories.default_private", "true",
            "whether a repository created by a push is private"),
    SOURCES_DOCKER_HUB_URL("sources.docker_hub_url", "https://registry-1.docker.io",
            "registry that image sources with a docker-hub origin import from (Docker Hub, or a mirror)"),
    LOG_ACCESS("log.access", "true", "write one access-log line per request"),
    LOG_LEVEL("log.level", "info", "root log level: error, warn, info, debug");

    private final String path;
    private final String defaultValue;
    private final String description;

    ConfigKey(String path, String defaultValue, String description) {
        this.path = path;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String path() {
        return path;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    public String envName() {
        return "WHARF_" + path.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    public String flag() {
        return "--" + path.replace('.', '-').replace('_', '-');
    }

    public static Optional<ConfigKey> byPath(String path) {
        return Arrays.stream(values()).filter(k -> k.path.equals(path)).findFirst();
    }

    public static Optional<ConfigKey> byEnv(String env) {
        return Arrays.stream(values()).filter(k -> k.envName().equals(env)).findFirst();
    }

    public static Optional<ConfigKey> byFlag(String flag) {
        return Arrays.stream(values()).filter(k -> k.flag().equals(flag)).findFirst();
    }
}
