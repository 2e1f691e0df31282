package dev.wharf.storage.meta;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import dev.wharf.audit.AuditAction;
import dev.wharf.audit.AuditEvent;
import dev.wharf.audit.AuditQuery;
import dev.wharf.audit.AuditWriter;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.Query;

/**
 * Reads the audit log and enforces retention. Events are only ever appended (by {@link AuditWriter}, inside the
 * transactions of the changes they describe) and removed by age; nothing edits them.
 */
public final class AuditLog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> DATA = new TypeReference<>() {};

    private final Database database;
    private final Jdbi jdbi;

    public AuditLog(Database database) {
        this.database = database;
        this.jdbi = database.jdbi();
    }

    /** Records an event that has no other write to share a transaction with (logins, failed logins). */
    public void record(AuditAction action, String account, String name, Map<String, String> data, String description,
            Instant at) {
        database.inWriteTransaction(h -> {
            AuditWriter.write(h, action, account, name, data, description, at);
            return null;
        });
    }

    /** Newest first. */
    public List<AuditEvent> list(AuditQuery q) {
        StringBuilder sql = new StringBuilder("""
                SELECT id, account, action, name, actor, data_json, description, at FROM audit_events
                WHERE account = :account""");
        if (q.action() != null) sql.append(" AND action = :action");
        if (q.name() != null) sql.append(" AND name = :name");
        if (q.actor() != null) sql.append(" AND actor = :actor");
        if (q.from() != null) sql.append(" AND at >= :from");
        if (q.to() != null) sql.append(" AND at <= :to");
        sql.append(" ORDER BY at DESC, id DESC LIMIT :limit OFFSET :offset");
        return jdbi.withHandle(h -> {
            Query query = h.createQuery(sql.toString()).bind("account", q.account());
            if (q.action() != null) query.bind("action", q.action());
            if (q.name() != null) query.bind("name", q.name());
            if (q.actor() != null) query.bind("actor", q.actor());
            if (q.from() != null) query.bind("from", q.from().toEpochMilli());
            if (q.to() != null) query.bind("to", q.to().toEpochMilli());
            return query.bind("limit", q.pageSize())
                    .bind("offset", (long) (q.page() - 1) * q.pageSize())
                    .map((rs, ctx) -> new AuditEvent(rs.getLong("id"), rs.getString("account"), rs.getString("action"),
                            rs.getString("name"), rs.getString("actor"), data(rs.getString("data_json")),
                            Instant.ofEpochMilli(rs.getLong("at")), rs.getString("description")))
                    .list();
        });
    }

    /** Deletes events older than {@code cutoff}; returns how many. */
    public int purgeOlderThan(Instant cutoff) {
        return database.inWriteTransaction(h -> h.createUpdate("DELETE FROM audit_events WHERE at < :cutoff")
                .bind("cutoff", cutoff.toEpochMilli()).execute());
    }

    private static Map<String, String> data(String json) {
        try {
            return JSON.readValue(json, DATA);
        } catch (Exception e) {
            return Map.of();
        }
    }
}
