package dev.wharf.audit;

import java.time.Instant;
import java.util.Map;

/** One recorded state change, as {@code GET /v2/auditlogs/{account}} returns it. */
public record AuditEvent(long id, String account, String action, String name, String actor, Map<String, String> data,
        Instant timestamp, String description) {}
