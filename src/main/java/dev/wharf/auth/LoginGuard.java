package dev.wharf.auth;

import java.time.Duration;
import java.util.Optional;

/**
 * One throttle policy for every place that checks a secret (registry token endpoint, Hub login, 2FA login):
 * failures count per account and per client IP, and either being locked refuses the attempt before any
 * password is hashed.
 */
public final class LoginGuard {
    /** Where sign-in outcomes are reported (the audit log); never given the secret. */
    public interface Events {
        void succeeded(String username);

        void failed(String username, String ip);

        void throttled(String username, String ip);

        Events NONE = new Events() {
            @Override
            public void succeeded(String username) {}

            @Override
            public void failed(String username, String ip) {}

            @Override
            public void throttled(String username, String ip) {}
        };
    }

    private final LoginThrottle throttle;
    private final Events events;

    public LoginGuard(LoginThrottle throttle) {
        this(throttle, Events.NONE);
    }

    public LoginGuard(LoginThrottle throttle, Events events) {
        this.throttle = throttle;
        this.events = events;
    }

    /** How long this attempt must wait, if the account or the IP is locked (and then reports the refusal). */
    public Optional<Duration> locked(String username, String ip) {
        Optional<Duration> user = throttle.retryAfter(userKey(username));
        Optional<Duration> addr = throttle.retryAfter(ipKey(ip));
        Optional<Duration> wait = user.isEmpty() ? addr : addr.isEmpty() ? user
                : Optional.of(user.get().compareTo(addr.get()) >= 0 ? user.get() : addr.get());
        if (wait.isPresent()) events.throttled(username, ip);
        return wait;
    }

    /** What checking a secret under the guard came to. */
    public sealed interface Attempt {
        record Locked(Duration retryAfter) implements Attempt {}

        record Rejected() implements Attempt {}

        record Accepted(Principal principal) implements Attempt {}
    }

    /**
     * A machine client's secret (token endpoint, HTTP Basic) checked under the throttle: refused unchecked while
     * the account or IP is locked, and the outcome recorded. Interactive logins, with their second factor, use
     * {@link #locked}, {@link #failed} and {@link #succeeded} step by step.
     */
    public Attempt authenticate(CredentialAuthenticator authenticator, String username, String secret, String ip) {
        Optional<Duration> wait = locked(username, ip);
        if (wait.isPresent()) return new Attempt.Locked(wait.get());
        Optional<Principal> principal = authenticator.authenticate(username, secret);
        if (principal.isEmpty()) {
            failed(username, ip);
            return new Attempt.Rejected();
        }
        succeeded(username);
        return new Attempt.Accepted(principal.get());
    }

    public void failed(String username, String ip) {
        throttle.recordFailure(userKey(username));
        throttle.recordFailure(ipKey(ip));
        events.failed(username, ip);
    }

    /** Clears the account's count only: a success must not let one valid login reset an IP's guessing budget. */
    public void succeeded(String username) {
        throttle.recordSuccess(userKey(username));
        events.succeeded(username);
    }

    private static String userKey(String username) {
        return "user:" + (username == null ? "" : IdentityNames.normalize(username));
    }

    private static String ipKey(String ip) {
        return "ip:" + ip;
    }
}
