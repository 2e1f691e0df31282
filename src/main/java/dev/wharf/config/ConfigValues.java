package dev.wharf.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The resolved text of every setting and where each came from, with the parsers every area uses. A parse
 * failure names the key, the bad value and its source (default, file, environment variable or flag), so each
 * area's {@code from(ConfigValues)} factory validates its own settings without repeating that wording.
 */
public final class ConfigValues {

    private final Map<ConfigKey, String> values;
    private final Map<ConfigKey, String> sources;

    ConfigValues(Map<ConfigKey, String> values, Map<ConfigKey, String> sources) {
        this.values = values;
        this.sources = sources;
    }

    /** The value as given, untrimmed (passwords may carry spaces). */
    public String raw(ConfigKey key) {
        return values.get(key);
    }

    /** The value with surrounding white space removed. */
    public String string(ConfigKey key) {
        return values.get(key).trim();
    }

    public boolean bool(ConfigKey key) {
        String text = raw(key);
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw bad(key, text, "expected true or false");
        };
    }

    /** A positive duration such as 30s, 15m, 24h or 7d. */
    public Duration duration(ConfigKey key) {
        String text = raw(key);
        Duration d = Durations.parse(text)
                .orElseThrow(() -> bad(key, text, "expected a duration like 30s, 15m, 24h or 7d, at most "
                        + Durations.LONGEST_TEXT));
        if (d.isZero()) throw bad(key, text, "must be greater than zero");
        return d;
    }

    public int integer(ConfigKey key, int min, int max) {
        String text = raw(key);
        try {
            int n = Integer.parseInt(text.trim());
            if (n < min || n > max) throw bad(key, text, "must be between " + min + " and " + max);
            return n;
        } catch (NumberFormatException e) {
            throw bad(key, text, "expected a whole number");
        }
    }

    public long longValue(ConfigKey key, long min) {
        String text = raw(key);
        try {
            long n = Long.parseLong(text.trim());
            if (n < min) throw bad(key, text, "must be at least " + min);
            return n;
        } catch (NumberFormatException e) {
            throw bad(key, text, "expected a whole number");
        }
    }

    /** A comma-separated list, items trimmed, empty items dropped; an empty value is an empty list. */
    public List<String> list(ConfigKey key) {
        List<String> items = new ArrayList<>();
        for (String item : raw(key).split(",")) {
            if (!item.isBlank()) items.add(item.trim());
        }
        return List.copyOf(items);
    }

    /** Where the key's value came from: "default", a file name, "environment variable X" or "flag --x". */
    public String source(ConfigKey key) {
        return sources.get(key);
    }

    public ConfigException bad(ConfigKey key, String value, String why) {
        return new ConfigException("invalid value '" + value + "' for " + key.path() + " (from " + sources.get(key)
                + "): " + why);
    }
}
