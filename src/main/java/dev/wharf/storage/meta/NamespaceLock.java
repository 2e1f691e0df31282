package dev.wharf.storage.meta;

import java.sql.SQLException;
import org.jdbi.v3.core.Handle;

/**
 * Serializes, per name, the transactions that claim a namespace: creating a user, an organization or a pull-through
 * mirror (docs/decisions/mirrors-namespaces.md). Users and organizations share the {@code namespaces} table, whose
 * key stops a clash between them; a mirror is a row of {@code mirrors}, so nothing but this lock stops a user and a
 * mirror of the same name being created at the same moment on two nodes, each transaction checking the other table
 * before the other's row was committed. Each claim takes the lock first, then checks the other table, then inserts.
 * On PostgreSQL a transaction-scoped advisory lock; SQLite serializes writers already.
 */
public final class NamespaceLock {
    /**
     * The lock space of namespace names: PostgreSQL's two-key advisory locks never meet its single-key ones (the
     * manifest listings' locks, SqlManifests). Names whose hashes collide merely take turns.
     */
    private static final int SPACE = 0x77686e73; // "whns"

    private NamespaceLock() {}

    /** Takes the name's lock for the rest of the transaction {@code h} is in. */
    public static void lock(Handle h, String name) {
        if (!postgres(h)) return;
        h.createQuery("SELECT 1 FROM (SELECT pg_advisory_xact_lock(:space, :key)) l").bind("space", SPACE)
                .bind("key", name.hashCode()).mapTo(Integer.class).one();
    }

    private static boolean postgres(Handle h) {
        try {
            return "PostgreSQL".equals(h.getConnection().getMetaData().getDatabaseProductName());
        } catch (SQLException e) {
            throw new IllegalStateException("cannot tell the database's kind: " + e.getMessage(), e);
        }
    }
}
