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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads settings with this precedence: defaults &lt; wharf.yaml &lt; WHARF_* environment &lt; CLI flags.
 * The YAML file is optional: {@code --config FILE} or WHARF_CONFIG names it, else ./wharf.yaml is used if present.
 * Unknown keys and bad values fail with a message naming the key and its source.
 */
public final class ConfigLoader {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
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

    private static WharfConfig build(Map<ConfigKey, String> v, Map<ConfigKey, String> src) {
        String addr = v.get(ConfigKey.ADDR).trim();
        int colon = addr.lastIndexOf(':');
        if (colon < 0) throw bad(ConfigKey.ADDR, src, addr, "expected host:port");
        String host = addr.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port = parseInt(ConfigKey.ADDR, src, addr.substring(colon + 1), 0, 65535);
        if (host.isEmpty()) host = "0.0.0.0";

        String dataDirText = v.get(ConfigKey.DATA_DIR).trim();
        if (dataDirText.isEmpty()) throw bad(ConfigKey.DATA_DIR, src, dataDirText, "must not be empty");
        Path dataDir = Path.of(dataDirText).toAbsolutePath().normalize();

        String dbUrl = v.get(ConfigKey.DB_URL).trim();
        if (dbUrl.isEmpty()) dbUrl = "jdbc:sqlite:" + dataDir.resolve("wharf.db");
        if (!dbUrl.startsWith("jdbc:sqlite:") && !dbUrl.startsWith("jdbc:postgresql:")) {
            throw bad(ConfigKey.DB_URL, src, WharfConfig.redactUrl(dbUrl), "must start with jdbc:sqlite: or jdbc:postgresql:");
        }
        int pool = parseInt(ConfigKey.DB_POOL_SIZE, src, v.get(ConfigKey.DB_POOL_SIZE), 1, 1000);

        String driver = v.get(ConfigKey.STORAGE_DRIVER).trim().toLowerCase(Locale.ROOT);
        if (!driver.equals("filesystem") && !driver.equals("s3")) {
            throw bad(ConfigKey.STORAGE_DRIVER, src, driver, "supported: filesystem, s3");
        }
        String rootText = v.get(ConfigKey.STORAGE_FILESYSTEM_ROOT).trim();
        Path storageRoot = rootText.isEmpty() ? dataDir.resolve("storage") : Path.of(rootText).toAbsolutePath();
        WharfConfig.S3 s3 = s3(v, src, driver.equals("s3"));

        Duration expire = parseDuration(ConfigKey.UPLOADS_EXPIRE_AFTER, src, v.get(ConfigKey.UPLOADS_EXPIRE_AFTER));
        boolean accessLog = parseBool(ConfigKey.LOG_ACCESS, src, v.get(ConfigKey.LOG_ACCESS));
        String level = v.get(ConfigKey.LOG_LEVEL).trim().toLowerCase(Locale.ROOT);
        if (!Set.of("error", "warn", "info", "debug", "trace").contains(level)) {
            throw bad(ConfigKey.LOG_LEVEL, src, level, "one of error, warn, info, debug, trace");
        }
        String realm = v.get(ConfigKey.AUTH_REALM).trim();
        if (!realm.isEmpty() && !realm.matches("https?://\\S+")) {
            throw bad(ConfigKey.AUTH_REALM, src, realm, "expected an http:// or https:// URL");
        }
        String service = v.get(ConfigKey.AUTH_SERVICE).trim();
        if (service.isEmpty() || service.contains("\"")) throw bad(ConfigKey.AUTH_SERVICE, src, service, "must be a plain name");
        WharfConfig.Auth auth = new WharfConfig.Auth(
                parseBool(ConfigKey.AUTH_ENABLED, src, v.get(ConfigKey.AUTH_ENABLED)), v.get(ConfigKey.SECRET_KEY).trim(),
                v.get(ConfigKey.ADMIN_USER).trim(), v.get(ConfigKey.ADMIN_PASSWORD), service, realm,
                parseDuration(ConfigKey.AUTH_TOKEN_TTL, src, v.get(ConfigKey.AUTH_TOKEN_TTL)),
                parseBool(ConfigKey.REPOSITORIES_DEFAULT_PRIVATE, src, v.get(ConfigKey.REPOSITORIES_DEFAULT_PRIVATE)));
        WharfConfig.RateLimit rateLimit = new WharfConfig.RateLimit(
                parseBool(ConfigKey.RATELIMIT_ENABLED, src, v.get(ConfigKey.RATELIMIT_ENABLED)),
                parseInt(ConfigKey.RATELIMIT_HUB_PER_MINUTE, src, v.get(ConfigKey.RATELIMIT_HUB_PER_MINUTE), 1,
                        1_000_000),
                parseInt(ConfigKey.RATELIMIT_HUB_ANONYMOUS_PER_MINUTE, src,
                        v.get(ConfigKey.RATELIMIT_HUB_ANONYMOUS_PER_MINUTE), 1, 1_000_000),
                parseInt(ConfigKey.RATELIMIT_PULLS_ANONYMOUS, src, v.get(ConfigKey.RATELIMIT_PULLS_ANONYMOUS), 1,
                        100_000_000),
                parseInt(ConfigKey.RATELIMIT_PULLS_AUTHENTICATED, src, v.get(ConfigKey.RATELIMIT_PULLS_AUTHENTICATED), 1,
                        100_000_000),
                parseDuration(ConfigKey.RATELIMIT_PULLS_WINDOW, src, v.get(ConfigKey.RATELIMIT_PULLS_WINDOW)),
                redisUrl(v, src));
        return new WharfConfig(host, port, dataDir, dbUrl, v.get(ConfigKey.DB_USER), v.get(ConfigKey.DB_PASSWORD),
                v.get(ConfigKey.DB_SCHEMA).trim(), pool, driver, storageRoot, s3, expire, accessLog, level, auth,
                parseDuration(ConfigKey.AUDIT_RETENTION, src, v.get(ConfigKey.AUDIT_RETENTION)),
                rateLimit, v.get(ConfigKey.SOURCES_DOCKER_HUB_URL).trim(),
                parseBool(ConfigKey.HTTP_TRUST_FORWARDED_FOR, src, v.get(ConfigKey.HTTP_TRUST_FORWARDED_FOR)),
                parseLong(ConfigKey.SOURCES_UPLOAD_MAX_BYTES, src, v.get(ConfigKey.SOURCES_UPLOAD_MAX_BYTES), 1),
                new WharfConfig.Builds(parseDuration(ConfigKey.SOURCES_BUILD_TIMEOUT, src,
                        v.get(ConfigKey.SOURCES_BUILD_TIMEOUT)), gitProtocols(v, src)),
                new WharfConfig.Gc(parseBool(ConfigKey.GC_ENABLED, src, v.get(ConfigKey.GC_ENABLED)),
                        parseDuration(ConfigKey.GC_INTERVAL, src, v.get(ConfigKey.GC_INTERVAL)),
                        parseDuration(ConfigKey.GC_UNTAGGED_GRACE, src, v.get(ConfigKey.GC_UNTAGGED_GRACE)),
                        parseDuration(ConfigKey.GC_BLOB_GRACE, src, v.get(ConfigKey.GC_BLOB_GRACE))));
    }

    /** A comma list of Git transport names (git's GIT_ALLOW_PROTOCOL takes them colon-separated). */
    private static List<String> gitProtocols(Map<ConfigKey, String> v, Map<ConfigKey, String> src) {
        String text = v.get(ConfigKey.SOURCES_BUILD_GIT_PROTOCOLS).trim();
        List<String> names = new ArrayList<>();
        for (String p : text.split(",")) {
            String name = p.trim().toLowerCase(Locale.ROOT);
            if (!name.matches("[a-z][a-z0-9+.-]*")) {
                throw bad(ConfigKey.SOURCES_BUILD_GIT_PROTOCOLS, src, text, "a comma list of Git transports, e.g. https,ssh");
            }
            names.add(name);
        }
        return List.copyOf(names);
    }

    /** Checked only when the s3 driver is chosen, so stray S3 settings do not stop a filesystem node. */
    private static WharfConfig.S3 s3(Map<ConfigKey, String> v, Map<ConfigKey, String> src, boolean used) {
        String endpoint = v.get(ConfigKey.STORAGE_S3_ENDPOINT).trim();
        String region = v.get(ConfigKey.STORAGE_S3_REGION).trim();
        String bucket = v.get(ConfigKey.STORAGE_S3_BUCKET).trim();
        boolean pathStyle = parseBool(ConfigKey.STORAGE_S3_PATH_STYLE, src, v.get(ConfigKey.STORAGE_S3_PATH_STYLE));
        boolean redirect = parseBool(ConfigKey.STORAGE_S3_REDIRECT, src, v.get(ConfigKey.STORAGE_S3_REDIRECT));
        Duration redirectExpiry = parseDuration(ConfigKey.STORAGE_S3_REDIRECT_EXPIRY, src,
                v.get(ConfigKey.STORAGE_S3_REDIRECT_EXPIRY));
        if (used) {
            // SigV4 presigned URLs live at most a week; S3 rejects a longer X-Amz-Expires.
            if (redirectExpiry.compareTo(Duration.ofDays(7)) > 0 || redirectExpiry.toSeconds() < 1) {
                throw bad(ConfigKey.STORAGE_S3_REDIRECT_EXPIRY, src, v.get(ConfigKey.STORAGE_S3_REDIRECT_EXPIRY),
                        "must be between 1s and 7d");
            }
            if (bucket.isEmpty()) throw bad(ConfigKey.STORAGE_S3_BUCKET, src, bucket, "required when storage.driver is s3");
            if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw bad(ConfigKey.STORAGE_S3_BUCKET, src, bucket, "not a valid S3 bucket name");
            }
            if (!endpoint.isEmpty() && !isHttpUrl(endpoint)) {
                throw bad(ConfigKey.STORAGE_S3_ENDPOINT, src, endpoint, "expected an http:// or https:// URL");
            }
            if (region.isEmpty()) throw bad(ConfigKey.STORAGE_S3_REGION, src, region, "must not be empty");
            if (!v.get(ConfigKey.STORAGE_S3_ACCESS_KEY).isBlank() && v.get(ConfigKey.STORAGE_S3_SECRET_KEY).isBlank()) {
                throw new ConfigException("storage.s3.access_key is set but storage.s3.secret_key is empty");
            }
        }
        return new WharfConfig.S3(endpoint, region, bucket, v.get(ConfigKey.STORAGE_S3_PREFIX).trim(), pathStyle,
                v.get(ConfigKey.STORAGE_S3_ACCESS_KEY).trim(), v.get(ConfigKey.STORAGE_S3_SECRET_KEY).trim(), redirect,
                redirectExpiry);
    }

    private static String redisUrl(Map<ConfigKey, String> v, Map<ConfigKey, String> src) {
        String url = v.get(ConfigKey.REDIS_URL).trim();
        if (!url.isEmpty() && !url.matches("rediss?://\\S+")) {
            throw bad(ConfigKey.REDIS_URL, src, url.replaceAll(":[^:@/]*@", ":***@"), "expected redis://host:port");
        }
        return url;
    }

    private static boolean isHttpUrl(String text) {
        try {
            java.net.URI uri = new java.net.URI(text);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    static Duration parseDuration(ConfigKey key, Map<ConfigKey, String> src, String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) throw bad(key, src, text, "expected a duration like 30s, 15m, 24h or 7d");
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
        if (d.isZero()) throw bad(key, src, text, "must be greater than zero");
        return d;
    }

    private static long parseLong(ConfigKey key, Map<ConfigKey, String> src, String text, long min) {
        try {
            long n = Long.parseLong(text.trim());
            if (n < min) throw bad(key, src, text, "must be at least " + min);
            return n;
        } catch (NumberFormatException e) {
            throw bad(key, src, text, "expected a whole number");
        }
    }

    private static int parseInt(ConfigKey key, Map<ConfigKey, String> src, String text, int min, int max) {
        try {
            int n = Integer.parseInt(text.trim());
            if (n < min || n > max) throw bad(key, src, text, "must be between " + min + " and " + max);
            return n;
        } catch (NumberFormatException e) {
            throw bad(key, src, text, "expected a whole number");
        }
    }

    private static boolean parseBool(ConfigKey key, Map<ConfigKey, String> src, String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw bad(key, src, text, "expected true or false");
        };
    }

    private static ConfigException bad(ConfigKey key, Map<ConfigKey, String> src, String value, String why) {
        return new ConfigException("invalid value '" + value + "' for " + key.path() + " (from " + src.get(key)
                + "): " + why);
    }
}
