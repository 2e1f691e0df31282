package dev.wharf.hub;

/**
 * Every failure the Docker Hub API surface can answer with, and its status. The only catalogue of Hub errors:
 * endpoints throw {@link HubException} with one of these, and {@link HubErrors} is the only writer. Details are
 * Docker Hub's wording where the contract or the real service has one, so clients that match on text keep working.
 */
public enum HubError {
    /** A field is missing, has the wrong type or breaks a rule: {@code ValueError} plus {@code detail}. */
    INVALID_REQUEST(400, "Invalid request"),
    /** The body is not a JSON object at all. */
    MALFORMED_BODY(400, "The request body must be a JSON object"),
    /** No usable bearer token on an endpoint that needs one. */
    NOT_AUTHENTICATED(401, "Authentication credentials were not provided."),
    /** A bearer token that is not ours, expired, or whose account or access token is gone. */
    INVALID_TOKEN(401, "Given token not valid for any token type"),
    /** A session made from an access token asked to manage credentials (see {@link HubAuth#requireUserSession}). */
    USER_SESSION_REQUIRED(401, "This operation needs a session from a password login; access tokens cannot"
            + " manage credentials"),
    /** Wrong username, password, access token or second-factor code: {@code PostUsersLoginErrorResponse}. */
    INCORRECT_CREDENTIALS(401, "Incorrect authentication credentials"),
    /** The password was right and a second factor is owed: carries {@code login_2fa_token}. */
    SECOND_FACTOR_REQUIRED(401, "Two-factor authentication is required; send the code to /v2/users/2fa-login"),
    /** A state-changing request authenticated by the console's cookie without its CSRF header. */
    CSRF_REFUSED(403, "This request was made with the console's session cookie but without its X-CSRF-Token"
            + " header"),
    FORBIDDEN(403, "You do not have permission to perform this action."),
    /** The credential's scope (an access token's) does not reach the action, whatever the user's role. */
    INSUFFICIENT_SCOPE(403, "The access token this session was made from does not allow this action"),
    NOT_FOUND(404, "Not found"),
    CONFLICT(409, "The request conflicts with the current state"),
    /** The login throttle ({@code LoginGuard}) refused the attempt before checking the secret. */
    TOO_MANY_FAILED_LOGINS(429, "Too many failed attempts; retry later"),
    /** The per-minute request budget ({@link dev.wharf.ratelimit.RateLimiter}) is spent. */
    RATE_LIMITED(429, "Rate limit exceeded"),
    /** The disk under the blob store or the database is full ({@link dev.wharf.storage.StorageFailure}). */
    STORAGE_FULL(507, "The registry's storage is full"),
    /** The database or the S3 endpoint cannot be reached ({@link dev.wharf.storage.StorageFailure}). */
    STORAGE_UNREACHABLE(503, "The registry's storage is unreachable; retry later"),
    INTERNAL(500, "Internal error; see the server log");

    private final int status;
    private final String detail;

    HubError(int status, String detail) {
        this.status = status;
        this.detail = detail;
    }

    public int status() {
        return status;
    }

    /** The default human-readable text; an exception may carry a more specific one. */
    public String detail() {
        return detail;
    }
}
