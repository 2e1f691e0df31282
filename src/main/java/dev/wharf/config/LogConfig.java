package dev.wharf.config;

import java.util.Locale;
import java.util.Set;

/** Logging: the access log on or off, and the root level. */
public record LogConfig(boolean access, String level) {

    static LogConfig from(ConfigValues c) {
        String level = c.string(ConfigKey.LOG_LEVEL).toLowerCase(Locale.ROOT);
        if (!Set.of("error", "warn", "info", "debug", "trace").contains(level)) {
            throw c.bad(ConfigKey.LOG_LEVEL, level, "one of error, warn, info, debug, trace");
        }
        return new LogConfig(c.bool(ConfigKey.LOG_ACCESS), level);
    }
}
