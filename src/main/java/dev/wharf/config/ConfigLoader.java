package dev.wharf.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
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
            } else if (isSwitch(name) && (i + 1 == args.size() || args.get(i + 1).startsWith("--"))) {
                value = "true"; // a true/false setting given alone, e.g. --tls-self-signed
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

    /** A flag of a true/false setting, which may stand alone to mean true. */
    private static boolean isSwitch(String flag) {
        return ConfigKey.byFlag(flag).map(k -> k.defaultValue().equals("true") || k.defaultValue().equals("false"))
                .orElse(false);
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
        String dataDirText = c.string(ConfigKey.DATA_DIR);
        if (dataDirText.isEmpty()) throw c.bad(ConfigKey.DATA_DIR, dataDirText, "must not be empty");
        Path dataDir = Path.of(dataDirText).toAbsolutePath().normalize();
        return new WharfConfig(dataDir,
                HttpConfig.from(c),
                DbConfig.from(c, dataDir),
                StorageConfig.from(c, dataDir),
                AuthConfig.from(c),
                RateLimitConfig.from(c),
                SourcesConfig.from(c),
                GcConfig.from(c),
                LogConfig.from(c),
                AuditConfig.from(c),
                WebhooksConfig.from(c),
                OutboundConfig.from(c),
                BuildSandboxConfig.from(c),
                TlsConfig.from(c),
                MirrorsConfig.from(c),
                JobsConfig.from(c));
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
