package dev.wharf.app;

import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditContext;
import dev.wharf.auth.LoginGuard;
import dev.wharf.storage.meta.AuditLog;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sign-in outcomes written to the account's audit log (the username tried, never the secret). */
final class AuditedLogins implements LoginGuard.Events {
    private static final Logger log = LoggerFactory.getLogger(AuditedLogins.class);

    private final AuditLog audit;
    private final Clock clock;

    AuditedLogins(AuditLog audit, Clock clock) {
        this.audit = audit;
        this.clock = clock;
    }

    @Override
    public void succeeded(String username) {
        record(AuditAction.USER_LOGIN, username, Map.of(), "signed in");
    }

    @Override
    public void failed(String username, String ip) {
        record(AuditAction.USER_LOGIN_FAILED, username, Map.of("ip", ip), "failed to sign in from " + ip);
    }

    @Override
    public void throttled(String username, String ip) {
        record(AuditAction.USER_LOGIN_THROTTLED, username, Map.of("ip", ip),
                "sign-in refused after too many failures, from " + ip);
    }

    private void record(AuditAction action, String username, Map<String, String> data, String description) {
        String account = username == null ? "" : username.toLowerCase(Locale.ROOT);
        try {
            AuditContext.as(account, () -> {
                audit.record(action, account, account, data, description, clock.instant());
                return null;
            });
        } catch (RuntimeException e) {
            // Never let the audit trail turn a sign-in into a 500; the failure itself is worth a log line.
            log.warn("could not record {} for {}: {}", action.wireName(), account, e.toString());
        }
    }
}
