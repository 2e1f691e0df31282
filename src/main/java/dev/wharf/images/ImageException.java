package dev.wharf.images;

/**
 * A request the image rules refuse as a whole: {@code INVALID} input (the HTTP layer answers 400) or a
 * repository or image that does not exist for this caller ({@code NOT_FOUND}, 404; a private repository the caller
 * cannot pull is reported exactly like a missing one).
 */
public final class ImageException extends RuntimeException {

    public enum Kind { INVALID, NOT_FOUND }

    private final Kind kind;
    private final String field;

    private ImageException(Kind kind, String field, String message) {
        super(message, null, false, false); // an answer, not a bug: no stack trace
        this.kind = kind;
        this.field = field;
    }

    /** @param field the request parameter or body member at fault */
    public static ImageException invalid(String field, String message) {
        return new ImageException(Kind.INVALID, field, message);
    }

    public static ImageException notFound(String message) {
        return new ImageException(Kind.NOT_FOUND, null, message);
    }

    public Kind kind() {
        return kind;
    }

    /** The request field at fault, or null. */
    public String field() {
        return field;
    }
}
