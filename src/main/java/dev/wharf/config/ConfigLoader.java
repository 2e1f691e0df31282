package dev.wharf.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads settings with this precedence: defaults &lt; wharf.yaml &lt; WHARF_* environment &lt; CLI flags.
 * The YAML file is optional: {@code --config FILE} or WHARF_CONFIG names it, else ./wharf.yaml is used if present.
 * Unknown keys and bad values fail with a message naming the key and its source.
 */
public final class ConfigLoader {
    /** Environment variables that are not settings but are read by other parts (kept here so they are not "unknown"). */
    private static final Set<String> OTHER_ENV = Set.of("WHARF_CONFIG", "WHARF_JAVA", "WHARF_JAVA_OPTS");

    private ConfigLoader() {}

    public static WharfConfig load(List<String> args, Map<String, String> env) {
        return load(args, env, true);
    }

    /**
     * As {@link #load(List, Map)}; with {@code implicitFile} false, ./wharf.yaml is not read unless named by
     * {@code --config} or WHARF_CONFIG (for commands such as migrate that describe two nodes, neither of which
     * need be the one configured in the working directory).
     */
    public static WharfConfig load(List<String> args, Map<String, String> env, boolean implicitFile) {
        Map<ConfigKey, String> values = new EnumMap<>(ConfigKey.class);
        Map<ConfigKey, String> sources = new EnumMap<>(ConfigKey.class);
        for (ConfigKey k : ConfigKey.values()) {
            values.put(k, k.defaultValue());
            sources.put(k, "default");
        }
        String configFile = env.get("WHARF_CONFIG");
        Map<ConfigKey, String> flags = new EnumMap<>(ConfigKey.class);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) throw new ConfigException("unexpected argument '" + arg + "'");
            String name = arg;
            String value;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new ConfigException("flag " + arg + " needs a value");
            }
            if (name.equals("--config")) {
                configFile = value;
                continue;
            }
            String flagName = name;
            ConfigKey key = ConfigKey.byFlag(flagName)
                    .orElseThrow(() -> new ConfigException("unknown flag " + flagName));
            flags.put(key, value);
        }
        Path file = configFile != null ? Path.of(configFile) : Path.of("wharf.yaml");
        if (configFile != null && !Files.isRegularFile(file)) {
            throw new ConfigException("config file " + file + " does not exist");
        }
        if (Files.isRegularFile(file) && (implicitFile || configFile != null)) {
            readYaml(file, values, sources);
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (!e.getKey().startsWith("WHARF_") || OTHER_ENV.contains(e.getKey())) continue;
            ConfigKey.byEnv(e.getKey()).ifPresentOrElse(k -> {
                values.put(k, e.getValue());
                sources.put(k, "environment variable " + k.envName());
            }, () -> {
                if (!isReservedEnv(e.getKey())) {
                    throw new ConfigException("unknown environment variable " + e.getKey());
                }
            });
        }
        flags.forEach((k, v) -> {
            values.put(k, v);
            sources.put(k, "flag " + k.flag());
        });
        return build(values, sources);
    }

    /** Variables reserved for test harnesses, never settings. */
    private static boolean isReservedEnv(String name) {
        return name.startsWith("WHARF_TEST_");
    }

    private static void readYaml(Path file, Map<ConfigKey, String> values, Map<ConfigKey, String> sources) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException("cannot parse " + file + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) return;
        if (!root.isObject()) throw new ConfigException(file + ": the top level must be a mapping");
        flatten(file, "", root, values, sources);
    }

    private static void flatten(Path file, String prefix, JsonNode node, Map<ConfigKey, String> values,
            Map<ConfigKey, String> sources) {
        Iterator<Map.Entry<String, JsonNode>> it = node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                boolean isSection = ConfigKey.byPath(path).isEmpty();
                if (isSection) {
                    flatten(file, path, v, values, sources);
                    continue;
                }
            }
            ConfigKey key = ConfigKey.byPath(path)
                    .orElseThrow(() -> new ConfigException("unknown configuration key '" + path + "' in " + file));
            if (v.isContainerNode()) {
                throw new ConfigException("configuration key '" + path + "' in " + file + " must be a scalar");
            }
            values.put(key, v.isNull() ? "" : v.asText());
            sources.put(key, file.toString());
        }
    }

    private static WharfConfig build(Map<ConfigKey, String> values, Map<ConfigKey, String> sources) {
        ConfigValues c = new ConfigValues(values, sources);
        String addr = c.string(ConfigKey.ADDR);
        int colon = addr.lastIndexOf(':');
        if (colon < 0) throw c.bad(ConfigKey.ADDR, addr, "expected host:port");
        String host = addr.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port = port(c, addr.substring(colon + 1));
        if (host.isEmpty()) host = "0.0.0.0";

        String dataDirText = c.string(ConfigKey.DATA_DIR);
        if (dataDirText.isEmpty()) throw c.bad(ConfigKey.DATA_DIR, dataDirText, "must not be empty");
        Path dataDir = Path.of(dataDirText).toAbsolutePath().normalize();

        String dbUrl = c.string(ConfigKey.DB_URL);
        if (dbUrl.isEmpty()) dbUrl = "jdbc:sqlite:" + dataDir.resolve("wharf.db");
        if (!dbUrl.startsWith("jdbc:sqlite:") && !dbUrl.startsWith("jdbc:postgresql:")) {
            throw c.bad(ConfigKey.DB_URL, WharfConfig.redactUrl(dbUrl), "must start with jdbc:sqlite: or jdbc:postgresql:");
        }
        int pool = c.integer(ConfigKey.DB_POOL_SIZE, 1, 1000);

        String driver = c.string(ConfigKey.STORAGE_DRIVER).toLowerCase(Locale.ROOT);
        if (!driver.equals("filesystem") && !driver.equals("s3")) {
            throw c.bad(ConfigKey.STORAGE_DRIVER, driver, "supported: filesystem, s3");
        }
        String rootText = c.string(ConfigKey.STORAGE_FILESYSTEM_ROOT);
        Path storageRoot = rootText.isEmpty() ? dataDir.resolve("storage") : Path.of(rootText).toAbsolutePath();
        WharfConfig.S3 s3 = s3(c, driver.equals("s3"));

        Duration expire = c.duration(ConfigKey.UPLOADS_EXPIRE_AFTER);
        boolean accessLog = c.bool(ConfigKey.LOG_ACCESS);
        String level = c.string(ConfigKey.LOG_LEVEL).toLowerCase(Locale.ROOT);
        if (!Set.of("error", "warn", "info", "debug", "trace").contains(level)) {
            throw c.bad(ConfigKey.LOG_LEVEL, level, "one of error, warn, info, debug, trace");
        }
        String realm = c.string(ConfigKey.AUTH_REALM);
        if (!realm.isEmpty() && !realm.matches("https?://\\S+")) {
            throw c.bad(ConfigKey.AUTH_REALM, realm, "expected an http:// or https:// URL");
        }
        String service = c.string(ConfigKey.AUTH_SERVICE);
        if (service.isEmpty() || service.contains("\"")) throw c.bad(ConfigKey.AUTH_SERVICE, service, "must be a plain name");
        WharfConfig.Auth auth = new WharfConfig.Auth(c.bool(ConfigKey.AUTH_ENABLED), c.string(ConfigKey.SECRET_KEY),
                c.string(ConfigKey.ADMIN_USER), c.raw(ConfigKey.ADMIN_PASSWORD), service, realm,
                c.duration(ConfigKey.AUTH_TOKEN_TTL), c.bool(ConfigKey.REPOSITORIES_DEFAULT_PRIVATE));
        WharfConfig.RateLimit rateLimit = new WharfConfig.RateLimit(c.bool(ConfigKey.RATELIMIT_ENABLED),
                c.integer(ConfigKey.RATELIMIT_HUB_PER_MINUTE, 1, 1_000_000),
                c.integer(ConfigKey.RATELIMIT_HUB_ANONYMOUS_PER_MINUTE, 1, 1_000_000),
                c.integer(ConfigKey.RATELIMIT_PULLS_ANONYMOUS, 1, 100_000_000),
                c.integer(ConfigKey.RATELIMIT_PULLS_AUTHENTICATED, 1, 100_000_000),
                c.duration(ConfigKey.RATELIMIT_PULLS_WINDOW), redisUrl(c));
        return new WharfConfig(host, port, dataDir, dbUrl, c.raw(ConfigKey.DB_USER), c.raw(ConfigKey.DB_PASSWORD),
                c.string(ConfigKey.DB_SCHEMA), pool, driver, storageRoot, s3, expire, accessLog, level, auth,
                c.duration(ConfigKey.AUDIT_RETENTION), rateLimit, c.string(ConfigKey.SOURCES_DOCKER_HUB_URL),
                c.bool(ConfigKey.HTTP_TRUST_FORWARDED_FOR), c.longValue(ConfigKey.SOURCES_UPLOAD_MAX_BYTES, 1),
                new WharfConfig.Builds(c.duration(ConfigKey.SOURCES_BUILD_TIMEOUT), gitProtocols(c)),
                new WharfConfig.Gc(c.bool(ConfigKey.GC_ENABLED), c.duration(ConfigKey.GC_INTERVAL),
                        c.duration(ConfigKey.GC_UNTAGGED_GRACE), c.duration(ConfigKey.GC_BLOB_GRACE)),
                OutboundConfig.from(c),
                MirrorsConfig.from(c));
    }

    private static int port(ConfigValues c, String text) {
        try {
            int n = Integer.parseInt(text.trim());
            if (n < 0 || n > 65535) throw c.bad(ConfigKey.ADDR, c.raw(ConfigKey.ADDR), "port must be between 0 and 65535");
            return n;
        } catch (NumberFormatException e) {
            throw c.bad(ConfigKey.ADDR, c.raw(ConfigKey.ADDR), "expected host:port");
        }
    }

    /** A comma list of Git transport names (git's GIT_ALLOW_PROTOCOL takes them colon-separated). */
    private static List<String> gitProtocols(ConfigValues c) {
        String text = c.string(ConfigKey.SOURCES_BUILD_GIT_PROTOCOLS);
        List<String> names = new ArrayList<>();
        for (String p : text.split(",")) {
            String name = p.trim().toLowerCase(Locale.ROOT);
            if (!name.matches("[a-z][a-z0-9+.-]*")) {
                throw c.bad(ConfigKey.SOURCES_BUILD_GIT_PROTOCOLS, text, "a comma list of Git transports, e.g. https,ssh");
            }
            names.add(name);
        }
        return List.copyOf(names);
    }

    /** Checked only when the s3 driver is chosen, so stray S3 settings do not stop a filesystem node. */
    private static WharfConfig.S3 s3(ConfigValues c, boolean used) {
        String endpoint = c.string(ConfigKey.STORAGE_S3_ENDPOINT);
        String region = c.string(ConfigKey.STORAGE_S3_REGION);
        String bucket = c.string(ConfigKey.STORAGE_S3_BUCKET);
        boolean pathStyle = c.bool(ConfigKey.STORAGE_S3_PATH_STYLE);
        boolean redirect = c.bool(ConfigKey.STORAGE_S3_REDIRECT);
        Duration redirectExpiry = c.duration(ConfigKey.STORAGE_S3_REDIRECT_EXPIRY);
        if (used) {
            // SigV4 presigned URLs live at most a week; S3 rejects a longer X-Amz-Expires.
            if (redirectExpiry.compareTo(Duration.ofDays(7)) > 0 || redirectExpiry.toSeconds() < 1) {
                throw c.bad(ConfigKey.STORAGE_S3_REDIRECT_EXPIRY, c.raw(ConfigKey.STORAGE_S3_REDIRECT_EXPIRY),
                        "must be between 1s and 7d");
            }
            if (bucket.isEmpty()) throw c.bad(ConfigKey.STORAGE_S3_BUCKET, bucket, "required when storage.driver is s3");
            if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw c.bad(ConfigKey.STORAGE_S3_BUCKET, bucket, "not a valid S3 bucket name");
            }
            if (!endpoint.isEmpty() && !isHttpUrl(endpoint)) {
                throw c.bad(ConfigKey.STORAGE_S3_ENDPOINT, endpoint, "expected an http:// or https:// URL");
            }
            if (region.isEmpty()) throw c.bad(ConfigKey.STORAGE_S3_REGION, region, "must not be empty");
            if (!c.raw(ConfigKey.STORAGE_S3_ACCESS_KEY).isBlank() && c.raw(ConfigKey.STORAGE_S3_SECRET_KEY).isBlank()) {
                throw new ConfigException("storage.s3.access_key is set but storage.s3.secret_key is empty");
            }
        }
        return new WharfConfig.S3(endpoint, region, bucket, c.string(ConfigKey.STORAGE_S3_PREFIX), pathStyle,
                c.string(ConfigKey.STORAGE_S3_ACCESS_KEY), c.string(ConfigKey.STORAGE_S3_SECRET_KEY), redirect,
                redirectExpiry);
    }

    private static String redisUrl(ConfigValues c) {
        String url = c.string(ConfigKey.REDIS_URL);
        if (!url.isEmpty() && !url.matches("rediss?://\\S+")) {
            throw c.bad(ConfigKey.REDIS_URL, url.replaceAll(":[^:@/]*@", ":***@"), "expected redis://host:port");
        }
        return url;
    }

    /** True for an absolute http:// or https:// URL with a host. */
    static boolean isHttpUrl(String text) {
        try {
            java.net.URI uri = new java.net.URI(text);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }
}
