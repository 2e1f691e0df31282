package dev.wharf.audit;

import java.time.Instant;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Told of every audit event inside the transaction that writes it, so that work caused by the change (a webhook
 * delivery, say) commits or rolls back with it. A listener must only write through {@code h} and must not fail
 * for reasons of its own: an exception rolls the change back.
 */
@FunctionalInterface
public interface AuditListener {
    void recorded(Handle h, AuditAction action, String account, String name, Map<String, String> data, String actor,
            Instant at);
}
