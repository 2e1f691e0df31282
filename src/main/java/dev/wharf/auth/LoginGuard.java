package dev.wharf.auth;

import java.time.Duration;
import java.util.Optional;

/**
 * One throttle policy for every place that checks a secret (registry token endpoint, Hub login, 2FA login):
 * failures count per account and per client IP, and either being locked refuses the attempt before any
 * password is hashed.
 */
public final class LoginGuard {
    private final LoginThrottle throttle;

    public LoginGuard(LoginThrottle throttle) {
        this.throttle = throttle;
    }

    /** How long this attempt must wait, if the account or the IP is locked. */
    public Optional<Duration> locked(String username, String ip) {
        Optional<Duration> user = throttle.retryAfter(userKey(username));
        Optional<Duration> addr = throttle.retryAfter(ipKey(ip));
        if (user.isEmpty()) return addr;
        if (addr.isEmpty()) return user;
        return Optional.of(user.get().compareTo(addr.get()) >= 0 ? user.get() : addr.get());
    }

    public void failed(String username, String ip) {
        throttle.recordFailure(userKey(username));
        throttle.recordFailure(ipKey(ip));
    }

    /** Clears the account's count only: a success must not let one valid login reset an IP's guessing budget. */
    public void succeeded(String username) {
        throttle.recordSuccess(userKey(username));
    }

    private static String userKey(String username) {
        return "user:" + (username == null ? "" : IdentityNames.normalize(username));
    }

    private static String ipKey(String ip) {
        return "ip:" + ip;
    }
}
