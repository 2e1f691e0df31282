package dev.wharf.app;

/** A migration that cannot go on; the message says why and, where there is one, what to do. */
final class MigrateException extends RuntimeException {
    MigrateException(String message) {
        super(message);
    }

    MigrateException(String message, Throwable cause) {
        super(message, cause);
    }
}
