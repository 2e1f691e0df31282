package dev.wharf.storage.meta;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.wharf.storage.PrivateFiles;
import dev.wharf.storage.StorageFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The metadata database: a HikariCP pool, a {@link Jdbi} on top of it, and the schema migrated by Flyway (a new
 * SQLite node's is copied from its build's template instead: {@link SqliteSchemaTemplate}).
 *
 * <p>SQLite allows one writer per file. Every connection starts its transactions with {@code BEGIN IMMEDIATE}
 * (so a transaction never has to upgrade a read lock, which fails with SQLITE_BUSY instead of waiting), and
 * {@link #inWriteTransaction} queues writers of this process on a fair lock, so they wait in Java rather than
 * in SQLite's sleep-and-retry busy handler. Reads made outside a transaction ({@code jdbi().withHandle}) use
 * any pooled connection and, thanks to WAL, run concurrently with each other and with the writer.
 * One {@code Database} per SQLite file per process: the lock is per instance; a second instance (or process)
 * only has {@code busy_timeout} to fall back on.
 */
public final class Database implements AutoCloseable {

    public enum Dialect {
        SQLITE("classpath:db/migration/sqlite"),
        POSTGRESQL("classpath:db/migration/postgresql");

        private final String migrations;

        Dialect(String migrations) {
            this.migrations = migrations;
        }
    }

    /** Far above any single write transaction of the registry; only reached when another process writes. */
    static final int SQLITE_BUSY_TIMEOUT_MILLIS = 10_000;
    /** HikariCP's own default: how long a caller waits for a pooled connection. */
    public static final Duration DEFAULT_POOL_TIMEOUT = Duration.ofSeconds(30);

    // Validated rather than quoted: the schema name ends up in DDL and in search_path.
    private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final Dialect dialect;
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final ReentrantLock writeLock; // null on PostgreSQL, which has row locks
    /** Write transactions of this process that found the file locked by another process past the busy timeout. */
    private final java.util.concurrent.atomic.AtomicLong lockedElsewhere = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.List<Runnable> writeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final java.util.concurrent.atomic.LongAdder statements = new java.util.concurrent.atomic.LongAdder();
    private final SqliteStatements keptStatements; // null on PostgreSQL, whose driver keeps its own

    private Database(Dialect dialect, HikariDataSource dataSource) {
        this.dialect = dialect;
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
        // Counts every statement (exported as wharf_db_statements_total): a cheap way to see, in production and in
        // tests, that a page costs a bounded number of queries whatever its size.
        this.jdbi.setSqlLogger(new org.jdbi.v3.core.statement.SqlLogger() {
            @Override
            public void logBeforeExecution(org.jdbi.v3.core.statement.StatementContext context) {
                statements.increment();
            }
        });
        this.writeLock = dialect == Dialect.SQLITE ? new ReentrantLock(true) : null;
        this.keptStatements = dialect == Dialect.SQLITE ? new SqliteStatements() : null;
    }

    /**
     * Opens the pool and migrates the schema.
     *
     * @param jdbcUrl {@code jdbc:sqlite:<file>} or {@code jdbc:postgresql:...}; keep passwords out of it
     * @param user ignored for SQLite
     * @param password ignored for SQLite
     * @param poolSize maximum connections, which is also the number of concurrent reads
     * @param schema PostgreSQL schema to create if missing and use, or null for the connection's default;
     *     ignored for SQLite, where a file is a database
     * @throws IllegalArgumentException for other URL schemes, in-memory SQLite, or an invalid schema name
     */
    public static Database open(String jdbcUrl, String user, String password, int poolSize, String schema) {
        return open(jdbcUrl, user, password, poolSize, schema, DEFAULT_POOL_TIMEOUT);
    }

    /**
     * As above, with how long a caller waits for a connection ({@code db.pool_timeout}) before the pool gives up with
     * an {@link java.sql.SQLTransientConnectionException}: the time a request hangs when the database is down.
     */
    public static Database open(String jdbcUrl, String user, String password, int poolSize, String schema,
            Duration poolTimeout) {
        return open(jdbcUrl, user, password, poolSize, schema, poolTimeout, SqliteSchemaTemplate.ofLauncher());
    }

    /** As above; a new SQLite file is filled from {@code template} where it holds one ({@link SqliteSchemaTemplate}). */
    static Database open(String jdbcUrl, String user, String password, int poolSize, String schema,
            Optional<SqliteSchemaTemplate> template) {
        return open(jdbcUrl, user, password, poolSize, schema, DEFAULT_POOL_TIMEOUT, template);
    }

    private static Database open(String jdbcUrl, String user, String password, int poolSize, String schema,
            Duration poolTimeout, Optional<SqliteSchemaTemplate> template) {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (poolSize < 1) throw new IllegalArgumentException("poolSize must be at least 1, got " + poolSize);
        Dialect dialect = dialectOf(jdbcUrl);
        Path newSqlite = dialect == Dialect.SQLITE && isNewSqliteFile(jdbcUrl) ? plainSqliteFile(jdbcUrl) : null;
        // Validates the settings and, for SQLite, creates the (empty) file before anything fills or opens it.
        HikariConfig config = poolConfig(dialect, jdbcUrl, user, password, poolSize, schema, poolTimeout);
        Optional<SqliteSchemaTemplate> usable = newSqlite == null ? Optional.empty() : template;
        Optional<HikariDataSource> filled =
                usable.flatMap(t -> t.openFilled(newSqlite, () -> new HikariDataSource(config)));
        HikariDataSource dataSource = filled.orElseGet(() -> new HikariDataSource(
                usable.isPresent() ? poolConfig(dialect, jdbcUrl, user, password, poolSize, schema, poolTimeout)
                        : config));
        try {
            if (filled.isEmpty()) {
                migrate(dataSource, dialect, dialect == Dialect.POSTGRESQL ? schema : null);
                usable.ifPresent(t -> t.keep(dataSource)); // a new file, just migrated: nothing else in it yet
            }
            // SQLite reads its planner statistics (sqlite_stat1, V21) when a connection loads the schema; connections
            // the pool opened while Flyway ran may hold a plan-less schema, so they are replaced by fresh ones.
            if (dialect == Dialect.SQLITE) dataSource.getHikariPoolMXBean().softEvictConnections();
            return new Database(dialect, dataSource);
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    /** A pool's settings; a config is used by one pool only (HikariCP seals it). */
    private static HikariConfig poolConfig(Dialect dialect, String jdbcUrl, String user, String password,
            int poolSize, String schema, Duration poolTimeout) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("wharf-metadata");
        config.setMaximumPoolSize(poolSize);
        config.setConnectionTimeout(poolTimeout.toMillis());
        if (dialect == Dialect.SQLITE) {
            config.setDataSource(sqliteDataSource(jdbcUrl));
        } else {
            config.setJdbcUrl(jdbcUrl);
            config.setUsername(user);
            config.setPassword(password);
            if (schema != null) {
                if (!SCHEMA_NAME.matcher(schema).matches()) {
                    throw new IllegalArgumentException("invalid schema name (want [a-z_][a-z0-9_]*): " + schema);
                }
                config.setSchema(schema); // every pooled connection's search_path
            }
        }
        return config;
    }

    /**
     * Whether {@code jdbcUrl} names a SQLite file that holds no database yet: none or an empty one (open would create
     * it), with no write-ahead log holding pages for it; false otherwise.
     */
    public static boolean isNewSqliteFile(String jdbcUrl) {
        Path file = plainSqliteFile(jdbcUrl);
        if (file == null) return false;
        try {
            Path wal = file.resolveSibling(file.getFileName() + "-wal");
            return (!Files.exists(file) || Files.size(file) == 0) && (!Files.exists(wal) || Files.size(wal) == 0);
        } catch (IOException e) {
            return false;
        }
    }

    /** The file of a {@code jdbc:sqlite:<path>} URL; null for other URLs and for SQLite's URI forms (not guessed). */
    private static Path plainSqliteFile(String jdbcUrl) {
        if (!jdbcUrl.startsWith("jdbc:sqlite:")) return null;
        String target = jdbcUrl.substring("jdbc:sqlite:".length());
        int options = target.indexOf('?');
        if (options >= 0) target = target.substring(0, options);
        if (target.isEmpty() || target.startsWith("file:") || target.contains(":memory:")) return null;
        try {
            return Path.of(target).toAbsolutePath();
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    private static Dialect dialectOf(String jdbcUrl) {
        if (jdbcUrl.startsWith("jdbc:sqlite:")) return Dialect.SQLITE;
        if (jdbcUrl.startsWith("jdbc:postgresql:")) return Dialect.POSTGRESQL;
        // Name only the scheme: the rest of a URL may carry credentials.
        int end = jdbcUrl.indexOf(':', jdbcUrl.startsWith("jdbc:") ? 5 : 0);
        String scheme = end < 0 ? jdbcUrl : jdbcUrl.substring(0, end);
        throw new IllegalArgumentException("unsupported metadata database URL scheme '" + scheme
                + "': expected jdbc:sqlite:<file> or jdbc:postgresql:...");
    }

    private static SQLiteDataSource sqliteDataSource(String jdbcUrl) {
        String target = jdbcUrl.substring("jdbc:sqlite:".length());
        String lower = target.toLowerCase(Locale.ROOT);
        if (target.isEmpty() || lower.contains(":memory:") || lower.contains("mode=memory")) {
            // Every pooled connection would get its own empty database.
            throw new IllegalArgumentException("the metadata database needs a SQLite file, not an in-memory database");
        }
        createParentDirectory(target);
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL); // readers never block the writer, nor it them
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL); // durable with WAL except on power loss
        config.enforceForeignKeys(true);
        config.setBusyTimeout(SQLITE_BUSY_TIMEOUT_MILLIS);
        config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        SQLiteDataSource dataSource = new SQLiteDataSource(config);
        dataSource.setUrl(jdbcUrl);
        return dataSource;
    }

    /**
     * Creates the database's directory (0700) and an empty database file (0600) before SQLite opens it: SQLite
     * gives its WAL and shared-memory files the database file's mode, so none of them is readable by others.
     */
    private static void createParentDirectory(String target) {
        String file = target.startsWith("file:") ? target.substring("file:".length()) : target;
        int query = file.indexOf('?');
        Path path = Path.of(query < 0 ? file : file.substring(0, query)).toAbsolutePath();
        Path parent = path.getParent();
        try {
            if (parent != null) PrivateFiles.createDirectories(parent);
            if (!Files.exists(path)) PrivateFiles.createFile(path);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            // another node or thread created it first
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create directory for the metadata database: " + parent, e);
        }
    }

    private static void migrate(HikariDataSource dataSource, Dialect dialect, String schema) {
        var flyway = Flyway.configure(Database.class.getClassLoader())
                .dataSource(dataSource)
                .locations(dialect.migrations)
                .failOnMissingLocations(true);
        if (schema != null) flyway.schemas(schema).createSchemas(true); // creates the schema if missing
        flyway.load().migrate();
    }

    /** SQL statements this process has sent through this database (JDBI and {@link #queryOne}). */
    public long statements() {
        return statements.sum();
    }

    public Dialect dialect() {
        return dialect;
    }

    /** For reads; use {@link #inWriteTransaction} for anything that writes. */
    public Jdbi jdbi() {
        return jdbi;
    }

    /** Sets a prepared statement's parameters. */
    @FunctionalInterface
    public interface Binder {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /**
     * One row (or none) by plain JDBC on a pooled connection, for the few reads on every pull: a JDBI handle costs
     * more to set up than SQLite takes to answer them. Everything else uses {@link #jdbi()}.
     */
    public <R> Optional<R> queryOne(String sql, Binder binder, RowMapper<R> mapper) {
        statements.increment();
        try (Connection connection = dataSource.getConnection()) {
            PreparedStatement kept = keptStatements == null ? null : keptStatements.get(connection, sql);
            if (kept == null) {
                try (PreparedStatement statement = connection.prepareStatement(sql)) {
                    return queryOne(statement, binder, mapper);
                }
            }
            try {
                return queryOne(kept, binder, mapper);
            } catch (SQLException | RuntimeException e) {
                keptStatements.discard(connection, sql);
                throw e;
            }
        } catch (SQLException e) {
            throw new ConnectionException(e);
        }
    }

    private static <R> Optional<R> queryOne(PreparedStatement statement, Binder binder, RowMapper<R> mapper)
            throws SQLException {
        statement.clearParameters();
        binder.bind(statement);
        try (ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(mapper.map(rows, null)) : Optional.empty();
        }
    }

    /** How many pooled connections hold kept statements of {@link #queryOne} (SQLite only; for tests). */
    int connectionsWithKeptStatements() {
        return keptStatements == null ? 0 : keptStatements.connections();
    }

    /**
     * Runs the callback in one transaction, serialized with this process's other writers on SQLite; then, once it
     * has committed, runs the {@link #afterWrite} listeners (before returning, so the caller's next request sees
     * what they did).
     */
    public <R, X extends Exception> R inWriteTransaction(HandleCallback<R, X> callback) throws X {
        R result;
        if (writeLock == null) {
            result = jdbi.inTransaction(callback);
        } else {
            // Lock before taking a connection, so queued writers do not hold connections the readers need.
            lockForWrite();
            try {
                result = jdbi.inTransaction(callback);
            } catch (RuntimeException e) {
                if (StorageFailure.isDatabaseBusy(e)) lockedElsewhere.incrementAndGet();
                throw e;
            } finally {
                writeLock.unlock();
            }
        }
        for (Runnable listener : writeListeners) listener.run();
        return result;
    }

    /**
     * Takes this process's write lock, waiting for its other writers as long as they take, except when another
     * process holds the file's lock past the busy timeout. Each queued writer would then wait the timeout out in
     * SQLite in turn, and a request queued behind two of them would answer after three timeouts, past its client's
     * patience. So a writer behind a write that found the file locked that way (since this one began to wait) fails
     * as busy with it, without trying; one that comes later tries again.
     */
    private void lockForWrite() {
        long atArrival = lockedElsewhere.get();
        try {
            if (!writeLock.tryLock(SQLITE_BUSY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                if (lockedElsewhere.get() != atArrival) throw new StorageFailure.DatabaseBusy();
                writeLock.lock(); // a long write of this process ahead: wait for it
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to write to the metadata database", e);
        }
        if (lockedElsewhere.get() != atArrival) {
            writeLock.unlock();
            throw new StorageFailure.DatabaseBusy();
        }
    }

    /** Writers of this process holding or waiting for its write lock (an estimate while they come and go). */
    int queuedWriters() {
        return writeLock == null ? 0 : (writeLock.isLocked() ? 1 : 0) + writeLock.getQueueLength();
    }

    /**
     * Adds a listener run after every committed {@link #inWriteTransaction} of this process. Caches of state that
     * other nodes change too use it to notice this node's own changes at once (see auth.AuthorizationEpoch).
     * A listener must be quick and must not throw.
     */
    public void afterWrite(Runnable listener) {
        writeListeners.add(listener);
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
