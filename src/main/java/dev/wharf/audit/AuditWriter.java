package dev.wharf.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Appends one audit event using the caller's open transaction, so the event commits or rolls back together with
 * the change it describes. The actor comes from {@link AuditContext}.
 */
public final class AuditWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Listeners per database: tests run several servers in one JVM, each with its own database, and an event must
     * reach only the listener of the server whose database recorded it. Weak keys let a closed database go.
     */
    private static final Map<Jdbi, AuditListener> LISTENERS = Collections.synchronizedMap(new WeakHashMap<>());

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
        AuditListener listener = LISTENERS.get(h.getJdbi());
        if (listener != null) {
            listener.recorded(h, action, account, name, data == null ? Map.of() : data, AuditContext.actor(), at);
        }
    }

    /** Tells {@code listener} of every event recorded in {@code database} from now on (one listener a database). */
    public static void listen(Jdbi database, AuditListener listener) {
        LISTENERS.put(database, listener);
    }

    /** Stops telling the database's listener (the server is stopping). */
    public static void stopListening(Jdbi database) {
        LISTENERS.remove(database);
    }

    /** The namespace (first path component) of a repository name: whose audit log a repository event is in. */
    public static String namespaceOf(String repository) {
        int slash = repository.indexOf('/');
        return slash < 0 ? repository : repository.substring(0, slash);
    }
}
