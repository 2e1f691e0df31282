package dev.wharf.content;

/**
 * The one catalogue of error codes the /v2/ API answers with: the codes of the OCI Distribution Spec v1.1
 * (plus UNSUPPORTED, RANGE_INVALID and TOOMANYREQUESTS, which Distribution and Docker Hub also send), each with
 * its HTTP status and default message. Handlers throw {@link RegistryException} with one of these; nothing else
 * writes a /v2/ error body.
 */
public enum OciError {
    BLOB_UNKNOWN(404, "blob unknown to registry"),
    BLOB_UPLOAD_INVALID(400, "blob upload invalid"),
    BLOB_UPLOAD_UNKNOWN(404, "blob upload unknown to registry"),
    DIGEST_INVALID(400, "provided digest did not match uploaded content"),
    MANIFEST_BLOB_UNKNOWN(404, "manifest references a manifest or blob unknown to registry"),
    MANIFEST_INVALID(400, "manifest invalid"),
    MANIFEST_UNKNOWN(404, "manifest unknown to registry"),
    NAME_INVALID(400, "invalid repository name"),
    NAME_UNKNOWN(404, "repository name not known to registry"),
    SIZE_INVALID(400, "provided length did not match content length"),
    UNAUTHORIZED(401, "authentication required"),
    DENIED(403, "requested access to the resource is denied"),
    UNSUPPORTED(405, "the operation is unsupported"),
    TOOMANYREQUESTS(429, "too many requests"),
    RANGE_INVALID(416, "invalid content range"),
    /** Manifest over the size limit; the spec answers 413 with no dedicated code, Distribution uses SIZE_INVALID. */
    MANIFEST_TOO_LARGE(413, "manifest too large"),
    PAGINATION_NUMBER_INVALID(400, "invalid number of results requested"),
    /** A query parameter or credential that is not text (NUL, invalid UTF-8); not a spec code, clients see the 400. */
    PARAMETER_INVALID(400, "invalid request parameter"),
    /** No /v2/ endpoint has this path; not a spec code, but clients only look at the 404. */
    NOT_FOUND(404, "no such endpoint"),
    METHOD_NOT_ALLOWED(405, "method not allowed on this endpoint"),
    /**
     * A pull-through mirror's upstream failed and nothing is cached, or the database or S3 cannot be reached;
     * Distribution's code for 503.
     */
    UNAVAILABLE(503, "service unavailable"),
    /** The disk under the blob store or the database is full (see StorageFailure); sent as UNAVAILABLE with a 507. */
    STORAGE_FULL(507, "the registry's storage is full"),
    UNKNOWN(500, "unknown error");

    private final int status;
    private final String message;

    OciError(int status, String message) {
        this.status = status;
        this.message = message;
    }

    public int status() {
        return status;
    }

    public String message() {
        return message;
    }

    /** The code written on the wire: two internal distinctions map onto spec codes. */
    public String wireCode() {
        return switch (this) {
            case MANIFEST_TOO_LARGE -> "SIZE_INVALID";
            case METHOD_NOT_ALLOWED -> "UNSUPPORTED";
            case STORAGE_FULL -> "UNAVAILABLE";
            default -> name();
        };
    }
}
