package dev.wharf.auth;

/**
 * A rejected identity operation. The {@link Reason} is what the HTTP layer maps to a status; the message is
 * safe to show (it never contains a password, a token or a code).
 */
public final class IdentityException extends RuntimeException {

    public enum Reason {
        /** A field failed validation (username, email, password length, label, scope, resource...). */
        INVALID_INPUT,
        /** The username or organization name is already a namespace, or a team/member already exists. */
        CONFLICT,
        /** The user, organization, team, member or token does not exist (or is not the caller's). */
        NOT_FOUND,
        /** A password or a second-factor code was wrong. */
        INVALID_CREDENTIALS,
        /** The operation does not fit the current state (2FA already on, last owner leaving, ...). */
        INVALID_STATE
    }

    private final Reason reason;

    public IdentityException(Reason reason, String message) {
        super(message, null, false, false); // expected outcomes: no stack trace to fill or to log
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    static IdentityException invalid(String message) {
        return new IdentityException(Reason.INVALID_INPUT, message);
    }

    static IdentityException notFound(String message) {
        return new IdentityException(Reason.NOT_FOUND, message);
    }

    static IdentityException conflict(String message) {
        return new IdentityException(Reason.CONFLICT, message);
    }
}
