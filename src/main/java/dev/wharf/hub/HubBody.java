package dev.wharf.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON request body read field by field. Problems are collected rather than thrown one at a time, so a client
 * learns about every bad field in one 400; {@link #check()} throws them. Getters return null for a missing or bad
 * field. Values are never echoed into messages: a body may hold a password.
 */
final class HubBody {
    private final JsonNode root;
    private final Map<String, List<String>> problems = new LinkedHashMap<>();

    private HubBody(JsonNode root) {
        this.root = root;
    }

    /** @throws HubException MALFORMED_BODY unless the body is one JSON object */
    static HubBody parse(Context ctx, ObjectMapper json) {
        JsonNode root;
        try {
            byte[] bytes = ctx.bodyAsBytes();
            root = bytes.length == 0 ? null : json.readTree(bytes);
        } catch (IOException e) {
            throw new HubException(HubError.MALFORMED_BODY); // parser messages quote the input: not shown
        }
        if (root == null || !root.isObject()) throw new HubException(HubError.MALFORMED_BODY);
        return new HubBody(root);
    }

    private JsonNode present(String field) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? null : n;
    }

    String requiredString(String field) {
        String value = optionalString(field);
        if (value == null && !problems.containsKey(field)) problem(field, "This field is required.");
        return value;
    }

    String optionalString(String field) {
        JsonNode n = present(field);
        if (n == null) return null;
        if (!n.isTextual()) {
            problem(field, "Must be a string.");
            return null;
        }
        return n.textValue();
    }

    /** A code typed by a person: a string, or a JSON integer (clients send {@code 123456} either way). */
    /**
     * A one-time code: a string, as the contract types {@code code} (a number would lose leading zeros, so
     * {@code 012345} cannot be sent as one), hence a 400 for anything else.
     */
    String requiredCode(String field) {
        return requiredString(field);
    }

    Boolean optionalBoolean(String field) {
        JsonNode n = present(field);
        if (n == null) return null;
        if (!n.isBoolean()) {
            problem(field, "Must be a boolean.");
            return null;
        }
        return n.booleanValue();
    }

    /** An array of strings; null if absent (and a problem if {@code required}). */
    List<String> stringList(String field, boolean required) {
        JsonNode n = present(field);
        if (n == null) {
            if (required) problem(field, "This field is required.");
            return null;
        }
        return strings(field, n);
    }

    List<String> strings(String field, JsonNode n) {
        if (!n.isArray()) {
            problem(field, "Must be a list of strings.");
            return null;
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : n) {
            if (!item.isTextual()) {
                problem(field, "Must be a list of strings.");
                return null;
            }
            out.add(item.textValue());
        }
        return out;
    }

    /** An RFC 3339 date-time with offset; null (absent or JSON null) means "never". */
    Instant optionalTime(String field) {
        String text = optionalString(field);
        if (text == null || text.isEmpty()) return null;
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            problem(field, "Must be an RFC 3339 date-time such as 2030-01-31T12:00:00Z.");
            return null;
        }
    }

    JsonNode node(String field) {
        return present(field);
    }

    void problem(String field, String message) {
        problems.computeIfAbsent(field, k -> new ArrayList<>()).add(message);
    }

    /** @throws HubException INVALID_REQUEST listing every problem found so far */
    void check() {
        if (problems.isEmpty()) return;
        StringBuilder text = new StringBuilder();
        problems.forEach((field, messages) -> {
            if (!text.isEmpty()) text.append("; ");
            text.append(field).append(": ").append(String.join(" ", messages));
        });
        throw HubException.invalid(text.toString(), problems);
    }
}
