package dev.wharf.audit;

import java.time.Instant;

/** Filters of the audit log listing; null fields do not filter. {@code page} starts at 1. */
public record AuditQuery(String account, String action, String name, String actor, Instant from, Instant to,
        int page, int pageSize) {}
