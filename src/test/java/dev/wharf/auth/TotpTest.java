package dev.wharf.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TotpTest {

    /** RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890". */
    static final String RFC_SECRET = Base32.encode("12345678901234567890".getBytes(StandardCharsets.US_ASCII));

    @ParameterizedTest
    @CsvSource({
        "59,          94287082",
        "1111111109,  07081804",
        "1111111111,  14050471",
        "1234567890,  89005924",
        "2000000000,  69279037",
        "20000000000, 65353130"
    })
    void rfc6238Sha1Vectors(long seconds, String expected) {
        Instant at = Instant.ofEpochSecond(seconds);
        assertThat(new Totp(8).code(RFC_SECRET, at)).isEqualTo(expected);
        // Six digits are the same value modulo 10^6: the last six of the eight.
        assertThat(new Totp().code(RFC_SECRET, at)).isEqualTo(expected.substring(2));
        assertThat(new Totp(8).matchingStep(RFC_SECRET, expected, at)).hasValue(seconds / 30);
    }

    @Test
    void acceptsOneStepOfDriftEitherWayAndNoMore() {
        Totp totp = new Totp();
        Instant now = Instant.ofEpochSecond(1_700_000_010L);
        long step = Totp.stepAt(now);
        String previous = totp.code(RFC_SECRET, now.minusSeconds(30));
        String next = totp.code(RFC_SECRET, now.plusSeconds(30));
        assertThat(totp.matchingStep(RFC_SECRET, totp.code(RFC_SECRET, now), now)).hasValue(step);
        assertThat(totp.matchingStep(RFC_SECRET, previous, now)).hasValue(step - 1);
        assertThat(totp.matchingStep(RFC_SECRET, next, now)).hasValue(step + 1);
        String old = totp.code(RFC_SECRET, now.minusSeconds(60));
        if (!old.equals(previous) && !old.equals(next) && !old.equals(totp.code(RFC_SECRET, now))) {
            assertThat(totp.matchingStep(RFC_SECRET, old, now)).isEmpty();
        }
    }

    @Test
    void rejectsMalformedCodes() {
        Totp totp = new Totp();
        Instant now = Instant.ofEpochSecond(59);
        assertThat(totp.matchingStep(RFC_SECRET, null, now)).isEmpty();
        assertThat(totp.matchingStep(RFC_SECRET, "", now)).isEmpty();
        assertThat(totp.matchingStep(RFC_SECRET, "28708", now)).isEmpty();
        assertThat(totp.matchingStep(RFC_SECRET, "2870822", now)).isEmpty();
        assertThat(totp.matchingStep(RFC_SECRET, "28708a", now)).isEmpty();
        assertThat(totp.matchingStep(RFC_SECRET, " 287082 ", now)).hasValue(1); // pasted with spaces
    }

    @Test
    void secretsAre160BitBase32() {
        String secret = Totp.generateSecret();
        assertThat(secret).hasSize(32).matches("[A-Z2-7]+");
        assertThat(Base32.decode(secret)).hasSize(20);
        assertThat(Totp.generateSecret()).isNotEqualTo(secret);
    }

    @Test
    void base32RoundTripsAndMatchesRfc4648() {
        assertThat(Base32.encode("foobar".getBytes(StandardCharsets.US_ASCII))).isEqualTo("MZXW6YTBOI");
        assertThat(new String(Base32.decode("mzxw6ytboi======"), StandardCharsets.US_ASCII)).isEqualTo("foobar");
        assertThat(Base32.decode(Base32.encode(new byte[] {0, -1, 7}))).containsExactly(0, -1, 7);
    }

    @Test
    void otpauthUri() {
        assertThat(Totp.otpauthUri("alice", "JBSWY3DPEHPK3PXP")).isEqualTo(
                "otpauth://totp/Wharf:alice?secret=JBSWY3DPEHPK3PXP&issuer=Wharf&algorithm=SHA1&digits=6&period=30");
    }
}
