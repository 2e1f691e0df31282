package dev.wharf.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.content.OciError;
import dev.wharf.content.RegistryException;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes the spec's error body {@code {"errors":[{"code","message","detail"}]}}; the only place that does. */
final class OciErrors {
    private final ObjectMapper json;

    OciErrors(ObjectMapper json) {
        this.json = json;
    }

    /** Headers that describe a blob or manifest body, never an error's. */
    private static final List<String> ENTITY_HEADERS = List.of("Docker-Content-Digest", "ETag", "Content-Range",
            "Accept-Ranges", "Last-Modified");

    void write(Context ctx, RegistryException e) {
        e.headers().forEach(ctx::header);
        write(ctx, e.error(), e.getMessage(), e.detail());
    }

    void write(Context ctx, OciError error, String message, Object detail) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("code", error.wireCode());
        entry.put("message", message == null ? error.message() : message);
        if (detail != null) entry.put("detail", detail);
        byte[] body;
        try {
            body = json.writeValueAsBytes(Map.of("errors", List.of(entry)));
        } catch (Exception impossible) {
            body = ("{\"errors\":[{\"code\":\"" + error.wireCode() + "\"}]}").getBytes();
        }
        ctx.status(error.status());
        ctx.header("Docker-Distribution-API-Version", "registry/2.0");
        ctx.contentType("application/json");
        // A failure can come after a blob's headers were set but before its first byte (S3 unreachable on open):
        // the error must not claim the blob's length, digest or range (Jetty refuses a body shorter than the
        // Content-Length, which made a 503 into a 500).
        for (String entityHeader : ENTITY_HEADERS) ctx.res().setHeader(entityHeader, null);
        ctx.header("Content-Length", String.valueOf(body.length));
        if (ctx.method().name().equals("HEAD")) return; // HEAD responses carry no body; the status says enough.
        ctx.result(body);
    }
}
