package dev.wharf.app;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Copies every table of a SQLite metadata database into a PostgreSQL one of the same schema version, row by row
 * and generically (the target's catalog drives it, so a new migration needs no change here).
 *
 * <p>Tables go in foreign-key order. Rows keep their primary keys, identity ids included, so every reference
 * stays valid; rows whose key (or another unique column) is already in the target are skipped
 * ({@code ON CONFLICT DO NOTHING}), which makes a second run copy only what the first did not. Existing target
 * rows are never compared with the source: the target must be empty or filled by an earlier run. Each batch
 * commits on its own, so an interrupted run keeps its progress; identity sequences are moved past the highest
 * id at the end.
 */
final class MetadataCopy {
    /**
     * Not copied: upload sessions and states point at staging areas of the old blob store, which are not migrated;
     * quota usage ({@code namespace_blobs} and the usage totals) is rebuilt by the target's triggers as
     * {@code repository_blobs} is copied, and copying it too would count every blob twice; so is PostgreSQL's
     * search table ({@code repository_search}, V19: its triggers on repositories, settings and descriptions), whose
     * SQLite namesake is an FTS5 table of other columns.
     */
    static final Set<String> SKIPPED = Set.of("uploads", "upload_states", "flyway_schema_history",
            "namespace_blobs", "namespace_usage", "namespace_usage_changes", "repository_search");
    private static final int BATCH = 500;
    private static final long PROGRESS_EVERY_NANOS = 5_000_000_000L;

    record TableResult(String table, long copied, long present) {}

    private final Connection source;
    private final Connection target;
    private final PrintStream out;

    /** @param source a read-only SQLite connection; @param target a PostgreSQL connection on the target schema */
    MetadataCopy(Connection source, Connection target, PrintStream out) {
        this.source = source;
        this.target = target;
        this.out = out;
    }

    List<TableResult> run() throws SQLException {
        String from = schemaVersion(source);
        String to = schemaVersion(target);
        if (!from.equals(to)) {
            throw new MigrateException("the source database is at schema version " + from + " but this wharf is at "
                    + to + ": start the old node once with this version (it migrates its database), stop it, then"
                    + " run migrate again");
        }
        // One read transaction over all tables: a consistent snapshot even if something still wrote to the file.
        source.setAutoCommit(false);
        target.setAutoCommit(false);
        List<TableResult> results = new ArrayList<>();
        try {
            refuseForeignTarget("signing_keys", "id", "sealed_jwk");
            refuseForeignTarget("users", "id", "username");
            for (String table : tablesInDependencyOrder()) {
                if (!SKIPPED.contains(table)) results.add(copyTable(table));
            }
            resetSequences();
            target.commit();
        } finally {
            source.rollback(); // ends the read transaction; nothing was written there
            target.rollback(); // a no-op after the last commit; on failure drops the unfinished batch
            target.setAutoCommit(true);
        }
        return results;
    }

    /**
     * A node started on the target before the migration creates its own administrator and signing key under the
     * keys the source's use; skipping those rows would mix two registries. Compares these small tables in full.
     */
    private void refuseForeignTarget(String table, String key, String value) throws SQLException {
        String sql = "SELECT " + key + ", " + value + " FROM " + table;
        Map<String, String> there = new TreeMap<>();
        try (Statement s = target.createStatement(); ResultSet r = s.executeQuery(sql)) {
            while (r.next()) there.put(r.getString(1), r.getString(2));
        }
        if (there.isEmpty()) return;
        try (Statement s = source.createStatement(); ResultSet r = s.executeQuery(sql)) {
            while (r.next()) {
                String theirs = there.get(r.getString(1));
                if (theirs != null && !theirs.equals(r.getString(2))) {
                    throw new MigrateException("the target's " + table + " row " + key + "=" + r.getString(1)
                            + " differs from the source's: the target holds another registry's data (did a node run"
                            + " on it before the migration?); migrate needs an empty target or one it filled itself");
                }
            }
        }
    }

    private static String schemaVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT version FROM flyway_schema_history WHERE success"
                        + " AND version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1")) {
            return r.next() ? r.getString(1) : "none";
        }
    }

    /** The target's tables, parents before children (Kahn's algorithm on its foreign keys, ties by name). */
    List<String> tablesInDependencyOrder() throws SQLException {
        Map<String, Set<String>> parents = new TreeMap<>();
        try (Statement s = target.createStatement();
                ResultSet r = s.executeQuery("SELECT table_name FROM information_schema.tables"
                        + " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")) {
            while (r.next()) parents.put(r.getString(1), new TreeSet<>());
        }
        try (Statement s = target.createStatement();
                ResultSet r = s.executeQuery("SELECT c.conrelid::regclass::text, c.confrelid::regclass::text"
                        + " FROM pg_constraint c WHERE c.contype = 'f'"
                        + " AND c.connamespace = current_schema()::regnamespace")) {
            while (r.next()) {
                String child = r.getString(1);
                String parent = r.getString(2);
                if (!child.equals(parent) && parents.containsKey(child) && parents.containsKey(parent)) parents.get(child).add(parent);
            }
        }
        List<String> order = new ArrayList<>();
        Set<String> done = new LinkedHashSet<>();
        while (done.size() < parents.size()) {
            String next = parents.entrySet().stream()
                    .filter(e -> !done.contains(e.getKey()) && done.containsAll(e.getValue()))
                    .map(Map.Entry::getKey).findFirst()
                    .orElseThrow(() -> new MigrateException("foreign keys form a cycle among "
                            + parents.keySet().stream().filter(t -> !done.contains(t)).toList()));
            done.add(next);
            order.add(next);
        }
        return order;
    }

    private TableResult copyTable(String table) throws SQLException {
        Map<String, String> types = targetColumns(table);
        Set<String> sourceColumns = sourceColumns(table);
        if (!sourceColumns.equals(types.keySet())) {
            throw new MigrateException("table " + table + " has columns " + sourceColumns + " in the source but "
                    + types.keySet() + " in the target");
        }
        List<String> columns = List.copyOf(types.keySet());
        String list = String.join(", ", columns);
        String insert = "INSERT INTO " + table + " (" + list + ")" + (hasIdentity(table) ? " OVERRIDING SYSTEM VALUE" : "")
                + " VALUES (" + String.join(", ", columns.stream().map(c -> "?").toList()) + ") ON CONFLICT DO NOTHING";
        String select = "SELECT " + list + " FROM " + table + " ORDER BY " + String.join(", ", primaryKey(table));
        long copied = 0;
        long present = 0;
        int pending = 0;
        long lastReport = System.nanoTime();
        try (Statement read = source.createStatement();
                ResultSet rows = read.executeQuery(select);
                PreparedStatement write = target.prepareStatement(insert)) {
            while (rows.next()) {
                for (int i = 0; i < columns.size(); i++) {
                    bind(write, i + 1, types.get(columns.get(i)), rows.getObject(i + 1), table, columns.get(i));
                }
                write.addBatch();
                if (++pending == BATCH) {
                    long n = flush(write, table);
                    copied += n;
                    present += pending - n;
                    pending = 0;
                    if (System.nanoTime() - lastReport > PROGRESS_EVERY_NANOS) { // large tables: show it moves
                        out.printf("  %-30s %8d copied %8d already there so far%n", table, copied, present);
                        lastReport = System.nanoTime();
                    }
                }
            }
            long n = flush(write, table);
            copied += n;
            present += pending - n;
        }
        out.printf("  %-30s %8d copied %8d already there%n", table, copied, present);
        return new TableResult(table, copied, present);
    }

    /** Runs and commits one batch; returns the rows actually inserted. */
    private long flush(PreparedStatement write, String table) throws SQLException {
        long inserted = 0;
        try {
            for (int count : write.executeBatch()) inserted += Math.max(count, 0);
        } catch (SQLException e) {
            throw foreignTargetRows(e, table).orElseThrow(() -> e); // run() rolls the batch back
        }
        target.commit();
        return inserted;
    }

    /**
     * A copied row whose parent row the target lacks although its table was copied first: the parent was skipped
     * as "already there" because the target holds another row under its key, one this source did not write (a node
     * started on the target before migrate finished wrote it). Said so, instead of the database's words alone.
     */
    private static java.util.Optional<MigrateException> foreignTargetRows(SQLException e, String table) {
        for (SQLException s = e; s != null; s = s.getNextException()) {
            if ("23503".equals(s.getSQLState())) { // foreign_key_violation
                String detail = s.getMessage() == null ? "" : s.getMessage().lines().findFirst().orElse("");
                return java.util.Optional.of(new MigrateException("table " + table + ": a row refers to one the"
                        + " target lacks, because the target holds rows this source did not write under the same"
                        + " keys (was a node started on it before migrate finished?). Migrate into an empty database,"
                        + " or one only migrate from this source has written (database: " + detail + ")", e));
            }
        }
        return java.util.Optional.empty();
    }

    /** SQLite stores booleans as 0/1 and has no strict types: convert to what the PostgreSQL column takes. */
    private static void bind(PreparedStatement ps, int index, String type, Object value, String table, String column)
            throws SQLException {
        switch (type) {
            case "boolean" -> {
                if (value == null) ps.setNull(index, Types.BOOLEAN);
                else if (value instanceof Number n) ps.setBoolean(index, n.longValue() != 0);
                else ps.setBoolean(index, value.toString().equals("1") || Boolean.parseBoolean(value.toString()));
            }
            case "bigint", "integer", "smallint" -> {
                if (value == null) ps.setNull(index, Types.BIGINT);
                else if (value instanceof Number n) ps.setLong(index, n.longValue());
                else ps.setLong(index, Long.parseLong(value.toString()));
            }
            case "bytea" -> {
                if (value == null) ps.setNull(index, Types.BINARY);
                else if (value instanceof byte[] b) ps.setBytes(index, b);
                else ps.setBytes(index, value.toString().getBytes(StandardCharsets.UTF_8));
            }
            case "text", "character varying" -> {
                if (value == null) ps.setNull(index, Types.VARCHAR);
                else if (value instanceof byte[] b) ps.setString(index, new String(b, StandardCharsets.UTF_8));
                else ps.setString(index, value.toString());
            }
            default -> throw new MigrateException("column " + table + "." + column + " has type " + type
                    + ", which migrate does not know how to copy");
        }
    }

    private Map<String, String> targetColumns(String table) throws SQLException {
        Map<String, String> types = new LinkedHashMap<>();
        try (PreparedStatement ps = target.prepareStatement("SELECT column_name, data_type FROM information_schema.columns"
                + " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position")) {
            ps.setString(1, table);
            try (ResultSet r = ps.executeQuery()) {
                while (r.next()) types.put(r.getString(1), r.getString(2));
            }
        }
        return types;
    }

    private Set<String> sourceColumns(String table) throws SQLException {
        Set<String> names = new LinkedHashSet<>();
        // The table name comes from the target's catalog, not from user input; PRAGMA takes no parameters.
        try (Statement s = source.createStatement(); ResultSet r = s.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (r.next()) names.add(r.getString("name"));
        }
        if (names.isEmpty()) throw new MigrateException("table " + table + " is missing in the source database");
        return names;
    }

    private boolean hasIdentity(String table) throws SQLException {
        try (PreparedStatement ps = target.prepareStatement("SELECT 1 FROM information_schema.columns"
                + " WHERE table_schema = current_schema() AND table_name = ? AND is_identity = 'YES'")) {
            ps.setString(1, table);
            try (ResultSet r = ps.executeQuery()) {
                return r.next();
            }
        }
    }

    private List<String> primaryKey(String table) throws SQLException {
        List<String> key = new ArrayList<>();
        try (PreparedStatement ps = target.prepareStatement("SELECT a.attname FROM pg_index i JOIN pg_attribute a"
                + " ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
                + " WHERE i.indrelid = ?::regclass AND i.indisprimary ORDER BY a.attnum")) {
            ps.setString(1, table);
            try (ResultSet r = ps.executeQuery()) {
                while (r.next()) key.add(r.getString(1));
            }
        }
        if (key.isEmpty()) throw new MigrateException("table " + table + " has no primary key");
        return key;
    }

    /** Identity and serial columns: the next generated id must come after the copied ones. */
    private void resetSequences() throws SQLException {
        List<String[]> columns = new ArrayList<>();
        try (Statement s = target.createStatement();
                ResultSet r = s.executeQuery("SELECT table_name, column_name FROM information_schema.columns"
                        + " WHERE table_schema = current_schema()"
                        + " AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')")) {
            while (r.next()) columns.add(new String[] {r.getString(1), r.getString(2)});
        }
        for (String[] c : columns) {
            try (Statement s = target.createStatement()) {
                s.execute("SELECT setval(pg_get_serial_sequence('" + c[0] + "', '" + c[1] + "'), COALESCE((SELECT MAX("
                        + c[1] + ") FROM " + c[0] + "), 0) + 1, false)");
            }
        }
    }
}
