package dev.wharf.tls;

/** A certificate or key that cannot be served; the message names the file and says what is wrong with it. */
public final class TlsException extends RuntimeException {
    public TlsException(String message) {
        super(message);
    }

    public TlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
