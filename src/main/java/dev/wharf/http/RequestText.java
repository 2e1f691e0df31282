package dev.wharf.http;

import dev.wharf.model.CleanText;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * The edge check every API surface runs before its handlers (issue 13 finding 10): every string a request brings
 * (the path, the query string, an HTTP Basic credential, and a JSON or form body) must be valid UTF-8 without NUL.
 * Each surface turns a {@link Problem} into its own 400: OCI {@code errors[]} on the registry, Hub
 * {@code detail}/{@code message}, Cycle's envelope, OAuth's {@code error} on {@code /token}. Bodies of other types
 * (blobs, tarballs) are bytes, not text, and are not read here.
 */
public final class RequestText {
    /** What is wrong and where: {@code where} is "path", "query", "authorization" or "body". */
    public record Problem(String where, String message) {}

    private RequestText() {}

    /** Path, query string and Basic credentials; the body too when {@code readBody} and it is JSON or a form. */
    public static Optional<Problem> check(Context ctx, boolean readBody) {
        String path = ctx.req().getRequestURI();
        String problem = CleanText.percentEncodedProblem(path, false);
        if (problem != null) return Optional.of(new Problem("path", "the request path " + problem));
        problem = CleanText.percentEncodedProblem(ctx.queryString(), true);
        if (problem != null) return Optional.of(new Problem("query", "the query string " + problem));
        problem = basicProblem(ctx.header("Authorization"));
        if (problem != null) return Optional.of(new Problem("authorization", "the Basic credentials " + problem));
        if (!readBody) return Optional.empty();
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
        if (type.startsWith("application/x-www-form-urlencoded")) {
            byte[] raw = ctx.bodyAsBytes();
            problem = CleanText.bytesProblem(raw);
            if (problem == null) {
                problem = CleanText.percentEncodedProblem(new String(raw, StandardCharsets.UTF_8), true);
            }
        } else if (type.contains("json")) {
            problem = CleanText.jsonProblem(ctx.bodyAsBytes());
        }
        if (problem != null) return Optional.of(new Problem("body", "the request body " + problem));
        return Optional.empty();
    }

    private static String basicProblem(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) return null;
        try {
            return CleanText.bytesProblem(Base64.getDecoder().decode(header.substring(6).strip()));
        } catch (IllegalArgumentException e) {
            return null; // not base64: the surface's own parser answers that
        }
    }
}
