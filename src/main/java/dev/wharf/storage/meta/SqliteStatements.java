package dev.wharf.storage.meta;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.sqlite.SQLiteConnection;

/**
 * The prepared statements of {@link Database#queryOne} kept per SQLite connection, so the reads of every pull are
 * bound and run again instead of prepared again. Preparing (SQLite compiling the SQL, sqlite-jdbc reading the
 * column names) took about three times as long as running the manifest-by-tag query itself.
 *
 * <p>Statements belong to the physical connection behind the pool's proxy, which does not track them: returning a
 * connection to the pool leaves them open, and closing the physical connection (the pool retiring it, or
 * {@link Database#close}) finalizes them with it. Only one thread uses a pooled connection at a time, so a
 * statement is never run by two threads at once. PostgreSQL's driver keeps its own per-connection cache of
 * server-side statements, so this is for SQLite only.
 */
final class SqliteStatements {
    /** queryOne runs a handful of fixed queries; a bound keeps a caller passing varying SQL from growing it. */
    static final int MAX_PER_CONNECTION = 32;

    // Keys compare by identity (SQLiteConnection does not override equals); closed connections are swept out
    // whenever a new one is seen, so the map holds about as many connections as the pool.
    private final Map<Connection, Map<String, PreparedStatement>> byConnection = new ConcurrentHashMap<>();

    /** The kept statement for SQL on the connection behind POOLED, prepared now if new; null once the bound is reached. */
    PreparedStatement get(Connection pooled, String sql) throws SQLException {
        Connection physical = pooled.unwrap(SQLiteConnection.class);
        Map<String, PreparedStatement> statements = byConnection.get(physical);
        if (statements == null) {
            forgetClosedConnections();
            statements = new ConcurrentHashMap<>();
            byConnection.put(physical, statements);
        }
        PreparedStatement statement = statements.get(sql);
        if (statement == null) {
            if (statements.size() >= MAX_PER_CONNECTION) return null;
            statement = physical.prepareStatement(sql);
            statements.put(sql, statement);
        }
        return statement;
    }

    /** Closes and forgets a kept statement whose last use failed: it is prepared afresh next time. */
    void discard(Connection pooled, String sql) {
        try {
            Map<String, PreparedStatement> statements = byConnection.get(pooled.unwrap(SQLiteConnection.class));
            PreparedStatement statement = statements == null ? null : statements.remove(sql);
            if (statement != null) statement.close();
        } catch (SQLException e) {
            // the connection is broken; the pool replaces it and the sweep forgets it
        }
    }

    /** Connections seen so far and still open (for tests). */
    int connections() {
        forgetClosedConnections();
        return byConnection.size();
    }

    private void forgetClosedConnections() {
        byConnection.keySet().removeIf(connection -> {
            try {
                return connection.isClosed();
            } catch (SQLException e) {
                return true;
            }
        });
    }
}
