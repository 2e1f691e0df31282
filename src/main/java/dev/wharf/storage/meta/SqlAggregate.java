package dev.wharf.storage.meta;

import org.jdbi.v3.core.Jdbi;

/**
 * What every SQL aggregate behind {@link SqlMetadataStore} works with: the database, its JDBI, and the row-lock
 * clauses that writers append to the SELECTs they read-then-write by. On PostgreSQL (READ COMMITTED) the clauses
 * lock the rows a writer depends on; SQLite has no such clauses and needs none, because
 * {@link Database#inWriteTransaction} serializes its writers, so there they are empty.
 */
abstract class SqlAggregate {

    /** A row that disappears between two statements is retried; more than this means something is wrong. */
    static final int RACE_ATTEMPTS = 5;

    protected final Database database;
    protected final Jdbi jdbi;

    // The clauses, each with its leading space, or "" on SQLite.
    protected final String forUpdate;
    protected final String forShare;
    protected final String forNoKeyUpdate;
    protected final String forKeyShare;

    SqlAggregate(Database database) {
        boolean rowLocks = database.dialect() == Database.Dialect.POSTGRESQL;
        this.forUpdate = rowLocks ? " FOR UPDATE" : "";
        this.forShare = rowLocks ? " FOR SHARE" : "";
        this.forNoKeyUpdate = rowLocks ? " FOR NO KEY UPDATE" : "";
        this.forKeyShare = rowLocks ? " FOR KEY SHARE" : "";
        this.database = database;
        this.jdbi = database.jdbi();
    }
}
