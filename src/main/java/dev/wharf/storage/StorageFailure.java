package dev.wharf.storage;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Recognises, among the failures a request can meet, the two that are the storage's condition rather than a bug:
 * a full disk (or exhausted disk quota) under the blob store or the database, and a database or S3 endpoint that
 * cannot be reached. Every API answers them as what they are (see {@link #answer}), the operator gets a warning
 * that says which, and a client knows whether to retry.
 *
 * <p>Nothing half-written stays in either case: an append is cut back to where it started, a blob is published
 * only whole, and a database transaction rolls back.
 */
public final class StorageFailure {
    private static final Logger log = LoggerFactory.getLogger(StorageFailure.class);
    /** At most one warning per kind in this time; the next says how many more requests were refused meanwhile. */
    private static final long WARN_EVERY_NANOS = 10_000_000_000L;
    private static final String DATABASE_BUSY =
            "the metadata database is busy: another process held its lock past the wait (SQLITE_BUSY)";

    /** What is wrong, with the HTTP status a surface without its own constraints answers. */
    public enum Kind {
        /** The server cannot store what the request needs (RFC 4918, 11.5): free space, then retry. */
        FULL(507),
        /** A dependency is down, unreachable, or held by another process past its wait: retry later (503). */
        UNREACHABLE(503);

        private final int status;
        private final AtomicLong lastWarned = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
        private final AtomicLong unwarned = new AtomicLong();

        Kind(int status) {
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /**
     * A recognised failure: its kind, the sentence for the client and the log ({@code message}: what is wrong and what
     * became of the request), and what is wrong alone ({@code condition}, for a log line that is about no request).
     */
    public record Diagnosis(Kind kind, String message, String condition) {
    }

    /**
     * A write of this process refused without trying: another process held the SQLite file's lock past the busy
     * timeout while this write waited behind one that found so (see {@code Database.inWriteTransaction}).
     */
    public static final class DatabaseBusy extends RuntimeException {
        public DatabaseBusy() {
            super("another process holds the metadata database's write lock; a write queued before this one waited it"
                    + " out and failed", null, false, false);
        }
    }

    private StorageFailure() {
    }

    /** Whether {@code failure} or one of its causes is the SQLite file locked by another process past the wait. */
    public static boolean isDatabaseBusy(Throwable failure) {
        return diagnose(failure).filter(d -> d.condition().equals(DATABASE_BUSY)).isPresent();
    }

    /** Whether {@code failure} or one of its causes is a full disk (or a write stopped at storage.reserve_bytes). */
    public static boolean isFull(Throwable failure) {
        return diagnose(failure).filter(d -> d.kind() == Kind.FULL).isPresent();
    }

    /** The diagnosis of {@code failure} when it or one of its causes is a full disk or an unreachable store. */
    public static Optional<Diagnosis> diagnose(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) {
            String full = fullReason(t);
            if (full != null) {
                String condition = "the registry's storage is full (" + full + ")";
                return Optional.of(new Diagnosis(Kind.FULL, condition
                        + "; this request's data was not stored: free space or add storage, then retry", condition));
            }
            String unreachable = unreachableReason(t);
            if (unreachable != null) {
                return Optional.of(new Diagnosis(Kind.UNREACHABLE,
                        unreachable + "; the request was not completed: retry later", unreachable));
            }
        }
        return Optional.empty();
    }

    /**
     * The answer to a failure no handler mapped, in the caller's error type: {@code known} for a recognised storage
     * failure (warned about at most every 10 s per kind, without a trace: the operator's to fix, not a bug), else
     * {@code internal} (logged as an error with its trace).
     *
     * @param request method and path, for the log line
     */
    public static <T> T answer(String request, Exception failure, Function<Diagnosis, T> known, Supplier<T> internal) {
        Optional<Diagnosis> diagnosis = diagnose(failure);
        if (diagnosis.isPresent()) {
            warn(request, diagnosis.get());
            return known.apply(diagnosis.get());
        }
        // Exception messages from our code never hold secrets; request bodies are never logged.
        log.error("unexpected failure on {}", request, failure);
        return internal.get();
    }

    private static void warn(String request, Diagnosis d) {
        long now = System.nanoTime();
        long last = d.kind().lastWarned.get();
        if (now - last < WARN_EVERY_NANOS || !d.kind().lastWarned.compareAndSet(last, now)) {
            d.kind().unwarned.incrementAndGet();
            return;
        }
        long more = d.kind().unwarned.getAndSet(0);
        log.warn("{} refused: {}{}", request, d.message(),
                more == 0 ? "" : " (and " + more + " more requests refused for this since the last warning)");
    }

    private static String fullReason(Throwable t) {
        if (t instanceof DiskReserve.Reached reached) return reached.getMessage();
        String lower = message(t).toLowerCase(Locale.ROOT);
        if (t instanceof IOException) {
            // The JDK reports the errno's text: ENOSPC and EDQUOT.
            if (lower.contains("no space left on device")) return "no space left on device";
            if (lower.contains("disk quota exceeded")) return "disk quota exceeded";
        }
        if (t instanceof SQLException sql) {
            if ("53100".equals(sql.getSQLState())) return "the database's disk is full"; // PostgreSQL disk_full
            if (message(t).contains("SQLITE_FULL")) return "the database's disk is full";
        }
        return null;
    }

    private static String unreachableReason(Throwable t) {
        if (t instanceof SQLTransientConnectionException) {
            return "the metadata database is unreachable (no connection within the pool's timeout)";
        }
        if (t instanceof DatabaseBusy || sqliteLockedElsewhere(t)) return DATABASE_BUSY;
        if (t instanceof SQLException sql && sql.getSQLState() != null) {
            String state = sql.getSQLState();
            // 08: connection exceptions; 57P01-57P03: PostgreSQL shutting down, crashed, not yet accepting.
            if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")) {
                return "the metadata database is unreachable (SQLSTATE " + state + ")";
            }
        }
        if (t instanceof SdkClientException && t.getCause() instanceof IOException io) {
            // The S3 client got no answer at all (refused, reset, timed out); an S3 error answer is not this.
            return "the blob storage's S3 endpoint is unreachable (" + io.getClass().getSimpleName() + ")";
        }
        return null;
    }

    /**
     * Another process (an operator's sqlite3 shell, a backup tool, a CLI command) held the SQLite file's write lock
     * past the busy timeout: nothing was written, and a retry can succeed. Other SQLITE_BUSY texts (a statement left
     * open) and SQLITE_LOCKED are this process's own doing: bugs, answered as such.
     */
    private static boolean sqliteLockedElsewhere(Throwable t) {
        return t instanceof SQLException && message(t).contains("SQLITE_BUSY")
                && message(t).contains("(database is locked)");
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? "" : t.getMessage();
    }
}
