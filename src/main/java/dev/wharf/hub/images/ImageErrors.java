package dev.wharf.hub.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.images.ImageException;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only writer of error bodies for the image endpoints, in the Hub API's shape: {@code detail} and
 * {@code message} always (the contract's {@code Error}), plus {@code fields} and {@code text} for a 400
 * ({@code ValueError}). Unexpected exceptions become a 500 without a stack trace on the wire.
 */
final class ImageErrors {
    private static final Logger log = LoggerFactory.getLogger(ImageErrors.class);

    static final String NOT_AUTHENTICATED = "Authentication credentials were not provided.";
    static final String INVALID_TOKEN = "Given token not valid for any token type";

    private final ObjectMapper json;

    ImageErrors(ObjectMapper json) {
        this.json = json;
    }

    void handle(Context ctx, Exception e) {
        switch (e) {
            case ImageException ie when ie.kind() == ImageException.Kind.INVALID -> invalid(ctx, ie.field(), ie.getMessage());
            case ImageException ie -> write(ctx, 404, ie.getMessage(), null);
            case Unauthenticated u -> {
                ctx.header("WWW-Authenticate", "Bearer realm=\"hub\"");
                write(ctx, 401, u.getMessage(), null);
            }
            default -> {
                log.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
                write(ctx, 500, "Internal error; see the server log", null);
            }
        }
    }

    void invalid(Context ctx, String field, String message) {
        write(ctx, 400, message, field == null ? Map.of() : Map.of(field, List.of(message)));
    }

    private void write(Context ctx, int status, String message, Map<String, List<String>> fields) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("detail", message);
        body.put("message", message);
        if (fields != null) {
            body.put("fields", fields);
            body.put("text", message);
        }
        ImageJson.write(ctx, json, status, body);
    }

    /** No usable session: answered 401 with the Hub's wording. */
    static final class Unauthenticated extends RuntimeException {
        Unauthenticated(String message) {
            super(message, null, false, false);
        }
    }
}
