package dev.wharf.storage.meta;

/**
 * SQL fragments whose spelling differs between SQLite and PostgreSQL, for list queries that must filter and order
 * exactly as Java's {@link String} methods would: case-sensitive substring tests ({@code LIKE} ignores ASCII case
 * on SQLite), text read from a JSON column, and code-point ordering whatever the database's collation. Column and
 * parameter names passed in are fixed strings of the caller, never request text.
 */
public final class SqlText {
    private SqlText() {}

    /** {@code column} contains the bound text {@code parameter} (e.g. {@code :search}), case-sensitively. */
    public static String contains(Database.Dialect dialect, String column, String parameter) {
        return dialect == Database.Dialect.POSTGRESQL ? "strpos(" + column + ", " + parameter + ") > 0"
                : "instr(" + column + ", " + parameter + ") > 0";
    }

    /**
     * The text at {@code path} (keys from the root) of a column holding JSON as text; SQL NULL when absent. On
     * SQLite a JSON {@code true} reads as 1; use {@link #jsonTrue} to test booleans.
     */
    public static String jsonText(Database.Dialect dialect, String column, String... path) {
        if (dialect == Database.Dialect.POSTGRESQL) {
            return "(" + column + "::jsonb #>> '{" + String.join(",", path) + "}')";
        }
        return "json_extract(" + column + ", '$." + String.join(".", path) + "')";
    }

    /** The JSON value at {@code path} is {@code true}. */
    public static String jsonTrue(Database.Dialect dialect, String column, String... path) {
        return jsonText(dialect, column, path) + (dialect == Database.Dialect.POSTGRESQL ? " = 'true'" : " = 1");
    }

    /** {@code column} for ORDER BY in code-point order, as Java compares strings (SQLite's default already). */
    public static String ordered(Database.Dialect dialect, String column) {
        return dialect == Database.Dialect.POSTGRESQL ? column + " COLLATE \"C\"" : column;
    }
}
