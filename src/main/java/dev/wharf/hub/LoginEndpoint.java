package dev.wharf.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wharf.auth.CredentialAuthenticator;
import dev.wharf.auth.CredentialAuthenticator.LoginOutcome;
import dev.wharf.auth.LoginGuard;
import dev.wharf.auth.LoginSession;
import dev.wharf.auth.TwoFactorService;
import dev.wharf.auth.User;
import dev.wharf.auth.token.SessionTokens;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /v2/users/login} and {@code POST /v2/users/2fa-login}: a username with a password or an access
 * token in, a Hub session JWT out. Both steps go through the {@link LoginGuard} (passwords and codes counted
 * apart, per account and address with a per-account cap), so neither passwords nor 6-digit codes can be guessed
 * online. A correct password that still owes a second factor does not clear the password failures of its
 * address: only the code does.
 * The web console signs in through {@link #passwordLogin} and {@link #secondFactorLogin}, the same two steps,
 * and keeps the session in a cookie instead of handing it to script.
 */
public final class LoginEndpoint {
    private final CredentialAuthenticator authenticator;
    private final TwoFactorService twoFactor;
    private final SessionTokens sessions;
    private final LoginGuard guard;
    private final ObjectMapper json;
    private final Clock clock;

    LoginEndpoint(CredentialAuthenticator authenticator, TwoFactorService twoFactor, SessionTokens sessions,
            LoginGuard guard, ObjectMapper json, Clock clock) {
        this.authenticator = authenticator;
        this.twoFactor = twoFactor;
        this.sessions = sessions;
        this.guard = guard;
        this.json = json;
        this.clock = clock;
    }

    void login(Context ctx) {
        HubJson.write(ctx, json, 200, Map.of("token", passwordLogin(ctx)));
    }

    void secondFactor(Context ctx) {
        HubJson.write(ctx, json, 200, Map.of("token", secondFactorLogin(ctx)));
    }

    /**
     * Checks {@code {"username", "password"}} and returns a session token.
     *
     * @throws HubException 401 (with {@code login_2fa_token} when a second factor is owed), 400, 429
     */
    public String passwordLogin(Context ctx) {
        HubBody body = HubBody.parse(ctx, json);
        String username = body.requiredString("username");
        String secret = body.requiredString("password");
        body.check();
        String ip = ctx.ip();
        refuseIfLocked(username, ip);
        Optional<LoginOutcome> outcome = authenticator.login(username, secret);
        if (outcome.isEmpty()) {
            guard.failed(username, ip);
            throw new HubException(HubError.INCORRECT_CREDENTIALS);
        }
        switch (outcome.get()) {
            case LoginOutcome.Authenticated a -> {
                guard.succeeded(username, ip);
                return sessions.issue(a.principal(), origin(ctx));
            }
            case LoginOutcome.SecondFactorRequired s ->
                    throw HubException.secondFactorRequired(sessions.issueTwoFactor(s.user()));
        }
    }

    /**
     * Checks {@code {"login_2fa_token", "code"}} and returns a session token.
     *
     * @throws HubException 401, 400, 429
     */
    public String secondFactorLogin(Context ctx) {
        HubBody body = HubBody.parse(ctx, json);
        String token = body.requiredString("login_2fa_token");
        String code = body.requiredCode("code");
        body.check();
        String ip = ctx.ip();
        Optional<User> user = sessions.verifyTwoFactor(token);
        String username = user.map(User::username).orElse(null);
        guard.codeLocked(username, ip).ifPresent(wait ->
                { throw HubException.tooMany(HubError.TOO_MANY_FAILED_LOGINS, clock.instant().plus(wait)); });
        if (user.isEmpty() || !twoFactor.verifyLogin(user.get().id(), code)) {
            guard.codeFailed(username, ip);
            throw new HubException(HubError.INCORRECT_CREDENTIALS);
        }
        guard.codeSucceeded(username, ip);
        return sessions.issue(user.get().principal(), origin(ctx));
    }

    private static LoginSession.Origin origin(Context ctx) {
        return new LoginSession.Origin(ctx.ip(), ctx.userAgent());
    }

    private void refuseIfLocked(String username, String ip) {
        guard.locked(username, ip).ifPresent(wait ->
                { throw HubException.tooMany(HubError.TOO_MANY_FAILED_LOGINS, clock.instant().plus(wait)); });
    }
}
