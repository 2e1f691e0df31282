package dev.wharf.app;

/** The node cannot start (database or storage unusable, port taken); the message says which and why. */
public class StartupException extends RuntimeException {
    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
