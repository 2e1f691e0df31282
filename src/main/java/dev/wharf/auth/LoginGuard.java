package dev.wharf.auth;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * One throttle policy for every place that checks a secret (registry token endpoint, Hub login, console sign-in,
 * {@code /admin/gc}) or a second-factor code. It bounds online guessing without letting a stranger lock the owner
 * out (issue 13 finding 9: six wrong passwords from six addresses used to lock the account everywhere). Failures
 * are counted under three keys, each locked after its free failures for 1 s, 2 s, 4 s … up to 15 minutes
 * ({@link LoginThrottle}):
 * <ul>
 *   <li><b>account + address</b> ({@value #PAIR_FREE} free): always applies. One address gets a handful of
 *       guesses at one account, then waits.</li>
 *   <li><b>address</b> ({@value #ADDRESS_FREE} free, any account): always applies; stops spraying one password
 *       over many accounts.</li>
 *   <li><b>account</b> ({@value #ACCOUNT_FREE} free, from all addresses together): the global cap. It applies only
 *       to addresses that have a failure of their own against this account, so an address with no failures (the
 *       owner's, typically) is still admitted and its correct password accepted, while each address an attacker
 *       adds earns exactly one guess before the account's lock holds it too.</li>
 * </ul>
 * IPv6 addresses count per /64, the block one subscriber usually holds. A success clears only its own
 * account+address key: the account's count stays, so the owner's sign-in does not refill an attacker's budget.
 *
 * <p>Second-factor codes are counted apart ({@link #codeLocked}): per account+address, and per account for every
 * address, as only someone who knew the password (or holds a session) can get to a code check, so whoever fails
 * there may lock the account's code step. Password failures never lock the code step, and vice versa.
 */
public final class LoginGuard {
    static final int PAIR_FREE = 5;
    static final int ADDRESS_FREE = 10;
    static final int ACCOUNT_FREE = 10;
    static final int CODE_ACCOUNT_FREE = 5;

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

    private final LoginThrottle pairs;
    private final LoginThrottle addresses;
    private final LoginThrottle accounts;
    private final LoginThrottle codeAccounts;
    private final Events events;

    public LoginGuard(Clock clock) {
        this(clock, Events.NONE);
    }

    public LoginGuard(Clock clock, Events events) {
        this(events, (name, free) -> new MemoryLoginThrottle(clock, free));
    }

    /** With throttles from {@code throttles}: in Redis when a cluster shares {@code redis.url}. */
    public LoginGuard(Events events, LoginThrottle.Factory throttles) {
        this.pairs = throttles.create("pair", PAIR_FREE);
        this.addresses = throttles.create("address", ADDRESS_FREE);
        this.accounts = throttles.create("account", ACCOUNT_FREE);
        this.codeAccounts = throttles.create("code-account", CODE_ACCOUNT_FREE);
        this.events = events;
    }

    /** How long this password (or token) attempt must wait, if it must (and then reports the refusal). */
    public Optional<Duration> locked(String username, String ip) {
        String pair = pairKey("secret", username, ip);
        Optional<Duration> wait = longest(pairs.retryAfter(pair), addresses.retryAfter(addressKey(ip)));
        if (pairs.failures(pair) > 0) wait = longest(wait, accounts.retryAfter(accountKey(username)));
        if (wait.isPresent()) events.throttled(username, ip);
        return wait;
    }

    /** How long this second-factor code attempt must wait, if it must (and then reports the refusal). */
    public Optional<Duration> codeLocked(String username, String ip) {
        Optional<Duration> wait = longest(longest(pairs.retryAfter(pairKey("code", username, ip)),
                addresses.retryAfter(addressKey(ip))), codeAccounts.retryAfter(accountKey(username)));
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
     * locked, and the outcome recorded. Interactive logins, with their second factor, use {@link #locked},
     * {@link #failed} and {@link #succeeded} step by step.
     */
    public Attempt authenticate(CredentialAuthenticator authenticator, String username, String secret, String ip) {
        Optional<Duration> wait = locked(username, ip);
        if (wait.isPresent()) return new Attempt.Locked(wait.get());
        Optional<Principal> principal = authenticator.authenticate(username, secret);
        if (principal.isEmpty()) {
            failed(username, ip);
            return new Attempt.Rejected();
        }
        succeeded(username, ip);
        return new Attempt.Accepted(principal.get());
    }

    public void failed(String username, String ip) {
        pairs.recordFailure(pairKey("secret", username, ip));
        addresses.recordFailure(addressKey(ip));
        accounts.recordFailure(accountKey(username));
        events.failed(username, ip);
    }

    /**
     * Clears this address's count for the account only: neither the address's count over all accounts (one valid
     * login must not reset an address's guessing budget) nor the account's global count.
     */
    public void succeeded(String username, String ip) {
        pairs.recordSuccess(pairKey("secret", username, ip));
        events.succeeded(username);
    }

    public void codeFailed(String username, String ip) {
        pairs.recordFailure(pairKey("code", username, ip));
        addresses.recordFailure(addressKey(ip));
        codeAccounts.recordFailure(accountKey(username));
        events.failed(username, ip);
    }

    /** A right code proves the owner: clears this address's counts for the account and the account's code lock. */
    public void codeSucceeded(String username, String ip) {
        pairs.recordSuccess(pairKey("code", username, ip));
        pairs.recordSuccess(pairKey("secret", username, ip));
        codeAccounts.recordSuccess(accountKey(username));
        events.succeeded(username);
    }

    private static Optional<Duration> longest(Optional<Duration> a, Optional<Duration> b) {
        if (a.isEmpty()) return b;
        if (b.isEmpty()) return a;
        return a.get().compareTo(b.get()) >= 0 ? a : b;
    }

    private static String account(String username) {
        return username == null ? "" : IdentityNames.normalize(username);
    }

    private static String accountKey(String username) {
        return account(username);
    }

    private static String pairKey(String step, String username, String ip) {
        return step + ":" + account(username) + "@" + addressKey(ip);
    }

    /** The address as throttled: IPv4 as is, IPv6 as its /64 (one subscriber's block), anything else verbatim. */
    static String addressKey(String ip) {
        if (ip == null) return "";
        if (ip.indexOf(':') < 0 || !ip.matches("[0-9A-Fa-f:.]+")) return ip; // a literal only: no name lookup
        try {
            byte[] bytes = InetAddress.getByName(ip).getAddress();
            if (bytes.length != 16) return InetAddress.getByAddress(bytes).getHostAddress(); // IPv4-mapped
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                prefix.append(Integer.toHexString(((bytes[i] & 0xff) << 8) | (bytes[i + 1] & 0xff))).append(':');
            }
            return prefix.append(":/64").toString();
        } catch (UnknownHostException e) {
            return ip;
        }
    }
}
