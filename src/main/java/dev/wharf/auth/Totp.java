package dev.wharf.auth;

import com.eatthepath.otp.HmacOneTimePasswordGenerator;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Locale;
import java.util.OptionalLong;
import javax.crypto.spec.SecretKeySpec;

/**
 * RFC 6238 time-based one-time passwords as authenticator apps make them: HMAC-SHA1, 30-second steps, a code
 * accepted one step before and after the current one (clock drift). The HOTP arithmetic comes from java-otp;
 * this class adds secrets, the otpauth URI and matching. Replay protection needs state and lives in
 * {@link TwoFactorService}, which remembers the step each code matched.
 */
public final class Totp {

    public static final int STEP_SECONDS = 30;
    public static final int SECRET_BYTES = 20; // 160 bits, the HMAC-SHA1 block-size recommendation of RFC 4226
    public static final String ISSUER = "Wharf";
    private static final int DRIFT_STEPS = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final int digits;

    /** Six-digit codes, what every authenticator app shows. */
    public Totp() {
        this(6);
    }

    /** For other code lengths (RFC 6238's test vectors are eight digits). */
    public Totp(int digits) {
        if (digits < 6 || digits > 8) throw new IllegalArgumentException("digits must be 6 to 8");
        this.digits = digits;
    }

    /** A new random secret, base32 without padding (32 characters). */
    public static String generateSecret() {
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        return Base32.encode(secret);
    }

    /** The URI an authenticator app reads from a QR code: {@code otpauth://totp/Wharf:<user>?secret=...}. */
    public static String otpauthUri(String username, String base32Secret) {
        // Issuer and account are encoded separately: the colon between them is the label's own separator.
        String label = encode(ISSUER) + ":" + encode(username);
        return "otpauth://totp/" + label + "?secret=" + base32Secret + "&issuer=" + encode(ISSUER)
                + "&algorithm=SHA1&digits=6&period=" + STEP_SECONDS;
    }

    private static String encode(String text) {
        // URLEncoder writes form encoding; a URI path wants %20 for spaces.
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    public static long stepAt(Instant time) {
        return Math.floorDiv(time.getEpochSecond(), STEP_SECONDS);
    }

    /** The code of the step containing {@code time}, zero-padded. */
    public String code(String base32Secret, Instant time) {
        return codeAtStep(key(base32Secret), stepAt(time));
    }

    /**
     * The step (within ±1 of now) whose code equals {@code code}, or empty. Every candidate step is computed
     * and compared in constant time, so the answer's timing does not tell which step matched or how many
     * leading digits were right.
     */
    public OptionalLong matchingStep(String base32Secret, String code, Instant now) {
        if (code == null) return OptionalLong.empty();
        String candidate = code.strip();
        if (candidate.length() != digits || !candidate.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalLong.empty();
        }
        SecretKeySpec key = key(base32Secret);
        byte[] given = candidate.getBytes(StandardCharsets.US_ASCII);
        long current = stepAt(now);
        OptionalLong matched = OptionalLong.empty();
        for (long step = current - DRIFT_STEPS; step <= current + DRIFT_STEPS; step++) {
            byte[] expected = codeAtStep(key, step).getBytes(StandardCharsets.US_ASCII);
            if (MessageDigest.isEqual(expected, given) && matched.isEmpty()) matched = OptionalLong.of(step);
        }
        return matched;
    }

    private String codeAtStep(SecretKeySpec key, long step) {
        try {
            // A generator per call: it holds a Mac, which is not thread-safe.
            int value = new HmacOneTimePasswordGenerator(digits).generateOneTimePassword(key, step);
            return String.format(Locale.ROOT, "%0" + digits + "d", value);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA1 rejected a raw key", e);
        }
    }

    private static SecretKeySpec key(String base32Secret) {
        byte[] raw = Base32.decode(base32Secret);
        if (raw.length == 0) throw new IllegalArgumentException("empty TOTP secret");
        return new SecretKeySpec(raw, "HmacSHA1");
    }
}
