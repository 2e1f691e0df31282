package dev.wharf.auth.token;

/** A presented token is not acceptable (bad signature, wrong audience, expired...). The message is for logs only. */
public class TokenException extends Exception {
    public TokenException(String message) {
        super(message, null, false, false);
    }
}
