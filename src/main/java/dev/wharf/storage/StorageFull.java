package dev.wharf.storage;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognises a full disk (or an exhausted disk quota) among the failures a request can meet, whether the blob store
 * hit it writing an upload or the metadata database writing a row, so that every API answers it as what it is, a
 * condition the operator must fix, instead of as an internal error. What was being written is not kept: an append
 * is truncated back to where it started and a database transaction rolls back, so the client can retry once there
 * is space again.
 */
public final class StorageFull {
    /** The HTTP status for it: the server cannot store what the request needs to complete (RFC 4918, 11.5). */
    public static final int STATUS = 507;
    private static final Logger log = LoggerFactory.getLogger(StorageFull.class);

    private StorageFull() {
    }

    /**
     * What filled up, for the client and the log, when {@code failure} or one of its causes is a full disk; empty
     * for any other failure.
     */
    public static Optional<String> describe(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) {
            String reason = reason(t);
            if (reason != null) {
                return Optional.of("the registry's storage is full (" + reason + "); this request's data was not "
                        + "stored: free space or add storage, then retry");
            }
        }
        return Optional.empty();
    }

    /**
     * The answer to a failure no handler mapped, in the caller's error type: {@code full} with the reason when it is a
     * full disk (warned about, without a trace: the operator's to fix, not a bug), else {@code internal} (logged as
     * an error with its trace).
     *
     * @param request method and path, for the log line
     */
    public static <T> T answer(String request, Exception failure, Function<String, T> full, Supplier<T> internal) {
        Optional<String> reason = describe(failure);
        if (reason.isPresent()) {
            log.warn("{} refused: {}", request, reason.get());
            return full.apply(reason.get());
        }
        // Exception messages from our code never hold secrets; request bodies are never logged.
        log.error("unexpected failure on {}", request, failure);
        return internal.get();
    }

    private static String reason(Throwable t) {
        String message = t.getMessage() == null ? "" : t.getMessage();
        String lower = message.toLowerCase(Locale.ROOT);
        if (t instanceof IOException) {
            // The JDK reports the errno's text: ENOSPC and EDQUOT.
            if (lower.contains("no space left on device")) return "no space left on device";
            if (lower.contains("disk quota exceeded")) return "disk quota exceeded";
        }
        if (t instanceof SQLException sql) {
            if ("53100".equals(sql.getSQLState())) return "the database's disk is full"; // PostgreSQL disk_full
            if (message.contains("SQLITE_FULL")) return "the database's disk is full";
        }
        return null;
    }
}
