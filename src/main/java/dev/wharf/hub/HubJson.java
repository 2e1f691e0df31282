package dev.wharf.hub;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Response writing and value formats shared by the Hub endpoints. */
final class HubJson {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private HubJson() {}

    static void write(Context ctx, ObjectMapper json, int status, Object body) {
        try {
            ctx.status(status).contentType("application/json").result(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Epoch seconds rounded up, so a client that waits until then is never early. */
    static long epochSecondsUp(Instant t) {
        return t.getNano() == 0 ? t.getEpochSecond() : t.getEpochSecond() + 1;
    }

    /** RFC 3339 in UTC with microseconds, as Docker Hub writes {@code created_at} and friends; null stays null. */
    static String time(Instant t) {
        return t == null ? null : TIME.format(t);
    }
}
