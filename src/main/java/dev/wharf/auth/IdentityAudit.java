package dev.wharf.auth;

import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditWriter;
import java.time.Instant;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/** Audit events of identity changes, written inside the transaction that makes the change. */
final class IdentityAudit {
    private IdentityAudit() {}

    /** An event in a user's own audit log (their tokens, their second factor). */
    static void user(Handle h, long userId, AuditAction action, String name, Map<String, String> data,
            String description, Instant at) {
        String username = h.createQuery("SELECT username FROM users WHERE id = :id").bind("id", userId)
                .mapTo(String.class).findOne().orElse("unknown");
        AuditWriter.write(h, action, username, name, data, description, at);
    }

    /** An event in an organization's audit log. */
    static void org(Handle h, String org, AuditAction action, String name, Map<String, String> data,
            String description, Instant at) {
        AuditWriter.write(h, action, org, name, data, description, at);
    }
}
