package dev.wharf.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers for requests Jetty refuses before any route sees them (a path with an encoded NUL, a malformed request
 * line): JSON instead of Jetty's HTML page. Jetty no longer knows which API the request was for (it reports the
 * path as {@code /badMessage}), so the body carries the error fields of every API at once: OCI's {@code errors[]},
 * the Hub's {@code detail}/{@code message}, and Cycle's {@code error} object. A client of any of them reads a 400
 * in its own format.
 */
final class EdgeErrors extends ErrorHandler {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) throws IOException {
        String text = code == 400 ? "the request could not be read: its path has a NUL or is not valid UTF-8, or it"
                + " is malformed" : (message == null || message.isBlank() ? "request refused" : message);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("errors", List.of(Map.of("code", code == 400 ? "NAME_INVALID" : "UNKNOWN", "message", text)));
        body.put("detail", text);
        body.put("message", text);
        Map<String, Object> cycle = new LinkedHashMap<>();
        cycle.put("status", code);
        cycle.put("code", code == 400 ? "400.invalid-syntax" : code + ".unknown");
        cycle.put("title", code == 400 ? "Invalid input" : "Request refused");
        cycle.put("detail", text);
        body.put("error", cycle);
        body.put("data", null);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(JSON.writeValueAsBytes(body)), callback);
    }
}
