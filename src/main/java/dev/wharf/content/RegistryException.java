package dev.wharf.content;

import java.util.Map;

/** A /v2/ failure that becomes {@code {"errors":[{code,message,detail}]}} with the code's status. */
public class RegistryException extends RuntimeException {
    private final OciError error;
    private final Object detail;
    private final Map<String, String> headers;

    public RegistryException(OciError error, String message, Object detail) {
        this(error, message, detail, Map.of());
    }

    public RegistryException(OciError error, String message, Object detail, Map<String, String> headers) {
        super(message == null ? error.message() : message, null, false, false);
        this.error = error;
        this.detail = detail;
        this.headers = headers;
    }

    public RegistryException(OciError error) {
        this(error, null, null);
    }

    public RegistryException(OciError error, String message) {
        this(error, message, null);
    }

    public OciError error() {
        return error;
    }

    public Object detail() {
        return detail;
    }

    /** Extra response headers (e.g. Range on a 416 so the client can resume). */
    public Map<String, String> headers() {
        return headers;
    }
}
