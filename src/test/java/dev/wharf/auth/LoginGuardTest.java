package dev.wharf.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Issue 13 finding 9: guessing is bounded, yet no stranger can lock the owner out. */
class LoginGuardTest {

    final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    final LoginGuard guard = new LoginGuard(clock);

    private void fail(String user, String ip) {
        assertThat(guard.locked(user, ip)).as("%s from %s is admitted", user, ip).isEmpty();
        guard.failed(user, ip);
    }

    @Test
    void strangersOnManyAddressesCannotLockTheOwnerOut() {
        for (int i = 0; i < 50; i++) fail("alice", "203.0.113." + i);
        assertThat(guard.locked("alice", "198.51.100.7")).as("the owner's clean address").isEmpty();
        guard.succeeded("alice", "198.51.100.7");
        assertThat(guard.locked("alice", "198.51.100.7")).isEmpty();
    }

    @Test
    void oneAddressGetsAHandfulOfGuessesAtOneAccount() {
        for (int i = 0; i < LoginGuard.PAIR_FREE; i++) fail("alice", "203.0.113.1");
        assertThat(guard.locked("alice", "203.0.113.1")).isEmpty();
        guard.failed("alice", "203.0.113.1");
        assertThat(guard.locked("alice", "203.0.113.1")).hasValue(Duration.ofSeconds(1));
        assertThat(guard.locked("bob", "203.0.113.1")).as("other accounts from that address").isEmpty();
        assertThat(guard.locked("alice", "203.0.113.2")).as("other addresses").isEmpty();
    }

    @Test
    void theAccountCapHoldsEveryAddressThatFailedOnceItIsReached() {
        for (int i = 0; i < LoginGuard.ACCOUNT_FREE + 1; i++) fail("alice", "203.0.113." + i);
        // each of those addresses failed only once (under its own pair limit), yet the account's lock holds them
        assertThat(guard.locked("alice", "203.0.113.0")).isPresent();
        // a new address gets exactly one guess, then the cap holds it too
        fail("alice", "203.0.113.200");
        assertThat(guard.locked("alice", "203.0.113.200")).isPresent();
        assertThat(guard.locked("alice", "198.51.100.7")).as("an address with no failures").isEmpty();
        assertThat(guard.locked("ALICE", "203.0.113.0")).as("names are compared normalized").isPresent();
    }

    @Test
    void theOwnersSuccessDoesNotRefillTheAttackersBudget() {
        for (int i = 0; i < LoginGuard.ACCOUNT_FREE + 1; i++) fail("alice", "203.0.113." + i);
        guard.succeeded("alice", "198.51.100.7");
        assertThat(guard.locked("alice", "203.0.113.3")).isPresent();
    }

    @Test
    void oneAddressCannotSprayManyAccounts() {
        for (int i = 0; i < LoginGuard.ADDRESS_FREE + 1; i++) guard.failed("user" + i, "203.0.113.9");
        assertThat(guard.locked("someone-else", "203.0.113.9")).isPresent();
    }

    @Test
    void ipv6AddressesCountPerSlash64() {
        for (int i = 0; i < LoginGuard.PAIR_FREE + 1; i++) guard.failed("alice", "2001:db8:1:2::" + Integer.toHexString(i + 1));
        assertThat(guard.locked("alice", "2001:db8:1:2:ffff::9")).isPresent();
        assertThat(guard.locked("alice", "2001:db8:1:3::1")).isEmpty();
        assertThat(LoginGuard.addressKey("2001:0db8:0001:0002:0:0:0:1")).isEqualTo("2001:db8:1:2::/64");
        assertThat(LoginGuard.addressKey("10.0.0.7")).isEqualTo("10.0.0.7");
        assertThat(LoginGuard.addressKey("::ffff:10.0.0.7")).isEqualTo("10.0.0.7");
        assertThat(LoginGuard.addressKey("localhost")).isEqualTo("localhost");
    }

    @Test
    void secondFactorCodesAreCountedApartAndLockTheAccountsCodeStep() {
        for (int i = 0; i < 30; i++) guard.failed("alice", "203.0.113." + i);
        assertThat(guard.codeLocked("alice", "198.51.100.7")).as("password failures leave the code step").isEmpty();
        for (int i = 0; i < LoginGuard.CODE_ACCOUNT_FREE + 1; i++) {
            assertThat(guard.codeLocked("bob", "203.0.113." + i)).isEmpty();
            guard.codeFailed("bob", "203.0.113." + i);
        }
        assertThat(guard.codeLocked("bob", "198.51.100.7"))
                .as("only someone past the password reaches codes: their failures hold every address").isPresent();
        assertThat(guard.locked("bob", "198.51.100.7")).as("but not the password step").isEmpty();
        clock.advance(Duration.ofSeconds(2));
        guard.codeSucceeded("bob", "198.51.100.7");
        assertThat(guard.codeLocked("bob", "203.0.113.0")).isEmpty();
    }

    @Test
    void locksExpire() {
        for (int i = 0; i < LoginGuard.PAIR_FREE + 1; i++) guard.failed("alice", "203.0.113.1");
        clock.advance(Duration.ofSeconds(1));
        assertThat(guard.locked("alice", "203.0.113.1")).isEmpty();
    }
}
