package dev.wharf.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.IdentityException;
import dev.wharf.storage.StorageFailure;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The only writer of Hub API error bodies. Shapes follow the contract: {@code Error} ({@code detail} and
 * {@code message}) for every status; 400s add {@code ValueError}'s {@code fields} and {@code text}; login
 * failures are {@code PostUsersLoginErrorResponse} ({@code detail}, and {@code login_2fa_token} when a second
 * factor is owed). Unexpected exceptions become a 500 without a stack trace on the wire.
 */
final class HubErrors {

    private final ObjectMapper json;
    private final Clock clock;

    HubErrors(ObjectMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
    }

    void handle(Context ctx, Exception e) {
        switch (e) {
            case HubException he -> write(ctx, he);
            case IdentityException ie -> write(ctx, fromIdentity(ie));
            default -> write(ctx, unexpected(ctx.method() + " " + ctx.path(), e));
        }
    }

    /**
     * A failure no rule mapped: a full disk or an unreachable store as such, anything else an internal error (see
     * StorageFailure.answer).
     */
    static HubException unexpected(String request, Exception e) {
        return StorageFailure.answer(request, e, d -> new HubException(switch (d.kind()) {
                    case FULL -> HubError.STORAGE_FULL;
                    case UNREACHABLE -> HubError.STORAGE_UNREACHABLE;
                }, d.message()),
                () -> new HubException(HubError.INTERNAL));
    }

    /** The status an identity rule maps to when the endpoint has nothing more specific to say. */
    static HubException fromIdentity(IdentityException e) {
        return switch (e.reason()) {
            case INVALID_INPUT -> HubException.invalid(e.getMessage(), Map.of());
            case NOT_FOUND -> new HubException(HubError.NOT_FOUND, e.getMessage());
            case CONFLICT, INVALID_STATE -> new HubException(HubError.CONFLICT, e.getMessage());
            case INVALID_CREDENTIALS -> new HubException(HubError.INCORRECT_CREDENTIALS);
        };
    }

    void write(Context ctx, HubException e) {
        HubError error = e.error();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("detail", e.getMessage());
        switch (error) {
            case INCORRECT_CREDENTIALS -> { } // PostUsersLoginErrorResponse: detail only
            case SECOND_FACTOR_REQUIRED -> body.put("login_2fa_token", e.login2faToken());
            case INVALID_REQUEST, MALFORMED_BODY -> {
                body.put("message", e.getMessage());
                body.put("fields", e.fields());
                body.put("text", e.getMessage());
            }
            default -> body.put("message", e.getMessage());
        }
        if (e.retryAt() != null) {
            // Docker Hub's X-Retry-After is the epoch second to retry at; Retry-After is the standard delay.
            long seconds = Math.max(1, Duration.between(clock.instant(), e.retryAt()).toSeconds());
            ctx.header("X-Retry-After", String.valueOf(HubJson.epochSecondsUp(e.retryAt())));
            ctx.header("Retry-After", String.valueOf(seconds));
        }
        if (error.status() == 401) ctx.header("WWW-Authenticate", "Bearer realm=\"hub\"");
        HubJson.write(ctx, json, error.status(), body);
    }
}
