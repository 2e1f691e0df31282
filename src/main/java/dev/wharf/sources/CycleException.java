package dev.wharf.sources;

/**
 * A failure of the {@code /v1/} surface, written as {@code {"error":{status,code,title,detail,source},"data":null}}.
 * {@code source} is a JSON pointer to the offending input (e.g. {@code /origin/details/url}), or null.
 */
public final class CycleException extends RuntimeException {
    private final CycleError error;
    private final String source;

    public CycleException(CycleError error, String detail, String source) {
        super(detail, null, false, false);
        this.error = error;
        this.source = source;
    }

    public CycleException(CycleError error, String detail) {
        this(error, detail, null);
    }

    public static CycleException invalid(String source, String detail) {
        return new CycleException(CycleError.INVALID_INPUT, detail, source);
    }

    public CycleError error() {
        return error;
    }

    public String source() {
        return source;
    }
}
