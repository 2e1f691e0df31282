package dev.wharf.content;

/** The pushed bytes are not a manifest Wharf accepts; the message tells the client why. */
public class InvalidManifestException extends RuntimeException {
    public InvalidManifestException(String message) {
        super(message, null, false, false);
    }
}
