package dev.wharf.config;

import java.time.Duration;

/** The audit log: how long events are kept. */
public record AuditConfig(Duration retention) {

    static AuditConfig from(ConfigValues c) {
        return new AuditConfig(c.duration(ConfigKey.AUDIT_RETENTION));
    }
}
