package dev.wharf.sources;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.auth.token.BrowserSession;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Request and response plumbing shared by the /v1/ endpoints: envelopes, JSON bodies, query parameters. */
final class CycleHttp {
    private CycleHttp() {}

    static Caller caller(Context ctx, HubGate gate) {
        return gate.authenticate(authorization(ctx), ctx.header("X-Hub-Id"));
    }

    /**
     * The Authorization header; without one, the web console's session cookie as a bearer token (the same Hub
     * session JWT), refused when a state-changing request lacks the console's CSRF header.
     */
    private static String authorization(Context ctx) {
        String header = ctx.header("Authorization");
        if (header != null) return header;
        String cookie = ctx.cookie(BrowserSession.COOKIE);
        return switch (BrowserSession.check(cookie, ctx.method().name(), ctx.header(BrowserSession.CSRF_HEADER))) {
            case NONE -> null;
            case USABLE -> "Bearer " + cookie;
            case CSRF_REFUSED -> throw new CycleException(CycleError.PERMISSIONS,
                    "this request was made with the console's session cookie but without its X-CSRF-Token header");
        };
    }

    /** The body as JSON; an empty or malformed body, or a non-JSON content type, is a 4xx. */
    static JsonNode body(Context ctx) {
        String type = ctx.contentType();
        if (type != null && !type.isBlank() && !type.toLowerCase().startsWith("application/json")) {
            throw new CycleException(CycleError.UNSUPPORTED_CONTENT_TYPE, "send the body as application/json");
        }
        byte[] raw = ctx.bodyAsBytes();
        if (raw.length == 0) throw CycleException.invalid("", "a JSON request body is required");
        try {
            return Json.MAPPER.readTree(raw);
        } catch (java.io.IOException e) {
            throw CycleException.invalid("", "the request body is not valid JSON");
        }
    }

    /** {@code name} as repeated or comma-separated parameters: {@code include=a,b} or {@code include=a&include=b}. */
    static List<String> list(Context ctx, String name) {
        return new ArrayList<>(ListQuery.values(ctx.queryParams(name)));
    }

    static void data(Context ctx, int status, JsonNode data, JsonNode includes) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("data", data);
        if (includes != null) root.set("includes", includes);
        write(ctx, status, root);
    }

    static void error(Context ctx, CycleException e) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode err = root.putObject("error");
        err.put("status", e.error().status()).put("code", e.error().code()).put("title", e.error().title());
        if (e.getMessage() != null) err.put("detail", e.getMessage());
        if (e.source() != null) err.put("source", e.source());
        root.putNull("data");
        write(ctx, e.error().status(), root);
    }

    private static void write(Context ctx, int status, JsonNode body) {
        try {
            ctx.status(status).contentType("application/json").result(Json.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, String> filters(Context ctx) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : ctx.queryParamMap().entrySet()) {
            String k = e.getKey();
            if (k.startsWith("filter[") && k.endsWith("]") && !e.getValue().isEmpty()) {
                out.put(k.substring(7, k.length() - 1), e.getValue().get(0));
            }
        }
        return out;
    }
}
