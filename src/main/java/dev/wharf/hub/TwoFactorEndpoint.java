package dev.wharf.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.IdentityException;
import dev.wharf.auth.LoginGuard;
import dev.wharf.auth.Principal;
import dev.wharf.auth.TotpEnrollment;
import dev.wharf.auth.TwoFactorService;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Turning the second factor on and off. Docker Hub documents no API for this, so these are Wharf's own paths
 * under {@code /v2/auth/2fa/} (see docs/hub-api.md): {@code enroll} returns a new TOTP secret and its
 * {@code otpauth://} URI; {@code confirm} with a code from it enables 2FA and returns ten recovery codes, shown
 * this once; {@code disable} takes a TOTP or recovery code; {@code recovery-codes} replaces the codes given a
 * TOTP code. Only a password session may call them, and wrong codes count against the login throttle, so a
 * stolen session cannot guess its way to turning 2FA off. Turning 2FA on or off revokes every other session and
 * refresh token of the user (the one making the change stays signed in).
 */
final class TwoFactorEndpoint {
    private final TwoFactorService twoFactor;
    private final HubAuth auth;
    private final LoginGuard guard;
    private final ObjectMapper json;
    private final Clock clock;

    TwoFactorEndpoint(TwoFactorService twoFactor, HubAuth auth, LoginGuard guard, ObjectMapper json, Clock clock) {
        this.twoFactor = twoFactor;
        this.auth = auth;
        this.guard = guard;
        this.json = json;
        this.clock = clock;
    }

    void enroll(Context ctx) {
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        TotpEnrollment enrollment = twoFactor.startEnrollment(user.userId());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("secret", enrollment.secret());
        body.put("otpauth_uri", enrollment.otpauthUri());
        HubJson.write(ctx, json, 200, body);
    }

    void confirm(Context ctx) {
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        String code = code(ctx);
        String current = auth.sessionId(ctx).orElse(null);
        List<String> codes = checked(ctx, user, () -> twoFactor.confirmEnrollment(user.userId(), code, current));
        HubJson.write(ctx, json, 200, Map.of("recovery_codes", codes));
    }

    void disable(Context ctx) {
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        String code = code(ctx);
        String current = auth.sessionId(ctx).orElse(null);
        checked(ctx, user, () -> {
            twoFactor.disable(user.userId(), code, current);
            return null;
        });
        ctx.status(204);
    }

    void regenerateRecoveryCodes(Context ctx) {
        Principal.UserPrincipal user = auth.requireUserSession(ctx);
        String code = code(ctx);
        List<String> codes = checked(ctx, user, () -> twoFactor.regenerateRecoveryCodes(user.userId(), code));
        HubJson.write(ctx, json, 200, Map.of("recovery_codes", codes));
    }

    private String code(Context ctx) {
        HubBody body = HubBody.parse(ctx, json);
        String code = body.requiredCode("code");
        body.check();
        return code;
    }

    /** Runs a code check under the login throttle; a wrong code is a 400 on the {@code code} field. */
    private <T> T checked(Context ctx, Principal.UserPrincipal user, Supplier<T> action) {
        String ip = ctx.ip();
        guard.codeLocked(user.username(), ip).ifPresent(wait ->
                { throw HubException.tooMany(HubError.TOO_MANY_FAILED_LOGINS, clock.instant().plus(wait)); });
        try {
            T result = action.get();
            guard.codeSucceeded(user.username(), ip);
            return result;
        } catch (IdentityException e) {
            if (e.reason() != IdentityException.Reason.INVALID_CREDENTIALS) throw e;
            guard.codeFailed(user.username(), ip);
            throw HubException.invalidField("code", "The code is not valid.");
        }
    }
}
