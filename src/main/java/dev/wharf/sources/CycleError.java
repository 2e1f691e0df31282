package dev.wharf.sources;

/**
 * The one catalogue of errors of the Cycle {@code /v1/} surface: each entry is a status and one of the codes
 * Cycle's Error schema lists. Bad input is always a 4xx from here, never a 500.
 */
public enum CycleError {
    /** Malformed JSON, a missing or invalid field, an unknown origin type, a bad query parameter. */
    INVALID_INPUT(400, "400.invalid-syntax", "Invalid input"),
    AUTH_INVALID(401, "401.auth-invalid", "Authentication required"),
    PERMISSIONS(403, "403.permissions", "Missing capability"),
    INVALID_STATE(403, "403.invalid-state", "Invalid state"),
    HUB_NOT_FOUND(404, "404.hub", "Hub not found"),
    SOURCE_NOT_FOUND(404, "404.image.source", "Image source not found"),
    IMAGE_NOT_FOUND(404, "404.image", "Image not found"),
    BUILD_LOG_NOT_FOUND(404, "404.image.build-log", "Build log not found"),
    JOB_NOT_FOUND(404, "404.job", "Job not found"),
    URI_NOT_FOUND(404, "404.uri", "Not found"),
    PAYLOAD_TOO_LARGE(413, "413.payload-too-large", "Payload too large"),
    UNSUPPORTED_CONTENT_TYPE(415, "415.invalid-content-type", "Unsupported content type"),
    /** A well-formed request Wharf cannot do (yet), e.g. importing from an origin type it does not support. */
    NOT_COMPATIBLE(422, "422.not-compatible", "Not supported"),
    /**
     * The disk under the blob store or the database is full ({@link dev.wharf.storage.StorageFailure}). Cycle's
     * Error schema has no 507, so this is its 503 for a service that cannot serve the request now.
     */
    STORAGE_FULL(503, "503.not-ready", "Storage full"),
    /** The database or the S3 endpoint cannot be reached ({@link dev.wharf.storage.StorageFailure}). */
    STORAGE_UNREACHABLE(503, "503.not-ready", "Storage unreachable"),
    INTERNAL(500, "500.unknown", "Internal error");

    private final int status;
    private final String code;
    private final String title;

    CycleError(int status, String code, String title) {
        this.status = status;
        this.code = code;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String title() {
        return title;
    }
}
