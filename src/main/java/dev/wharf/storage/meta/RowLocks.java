package dev.wharf.storage.meta;

/**
 * The row-lock clauses that the metadata writers append to the SELECTs they read-then-write by. On PostgreSQL
 * (READ COMMITTED) they lock the rows a writer depends on; SQLite has no such clauses and needs none, because
 * {@link Database#inWriteTransaction} serializes its writers. Every {@code Sql*} aggregate of the metadata store
 * shares one instance.
 */
record RowLocks(String forUpdate, String forShare, String forNoKeyUpdate, String forKeyShare) {

    /** A row that disappears between two statements is retried; more than this means something is wrong. */
    static final int RACE_ATTEMPTS = 5;

    static RowLocks of(Database database) {
        return database.dialect() == Database.Dialect.POSTGRESQL
                ? new RowLocks(" FOR UPDATE", " FOR SHARE", " FOR NO KEY UPDATE", " FOR KEY SHARE")
                : new RowLocks("", "", "", "");
    }

    /** True where rows are locked (PostgreSQL); false where writers are serialized instead (SQLite). */
    boolean enabled() {
        return !forUpdate.isEmpty();
    }
}
