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
        if (ctx.method().name().equals("HEAD")) {
            // HEAD responses carry no body; the status says enough.
            ctx.header("Content-Length", String.valueOf(body.length));
            return;
        }
        ctx.result(body);
    }
}
