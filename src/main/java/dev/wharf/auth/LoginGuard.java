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
