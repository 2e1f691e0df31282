package dev.wharf.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Map;
import org.jdbi.v3.core.Handle;

/**
 * Appends one audit event using the caller's open transaction, so the event commits or rolls back together with
 * the change it describes. The actor comes from {@link AuditContext}.
 */
public final class AuditWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditWriter() {}

    /**
     * @param account whose audit log shows the event: a repository's namespace, an organization, or a user
     * @param name the object acted on: repository, organization, token label, team member...
     * @param data extra string fields (digest, tag, role...), shown as {@code data} in the API
     */
    public static void write(Handle h, AuditAction action, String account, String name, Map<String, String> data,
            String description, Instant at) {
        String json;
        try {
            json = JSON.writeValueAsString(data == null ? Map.of() : data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        h.createUpdate("""
                        INSERT INTO audit_events (account, action, name, actor, data_json, description, at)
                        VALUES (:account, :action, :name, :actor, :data, :description, :at)""")
                .bind("account", account)
                .bind("action", action.wireName())
                .bind("name", name)
                .bind("actor", AuditContext.actor())
                .bind("data", json)
                .bind("description", description)
                .bind("at", at.toEpochMilli())
                .execute();
    }

    /** The namespace (first path component) of a repository name: whose audit log a repository event is in. */
    public static String namespaceOf(String repository) {
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }
}
