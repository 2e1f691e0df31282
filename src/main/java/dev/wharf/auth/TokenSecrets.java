package dev.wharf.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Token secrets: {@code <prefix><43 base64url characters>} (256 random bits). Only a SHA-256 of the whole
 * token is stored: with that much entropy a fast hash is as safe as a slow one, and verification stays cheap
 * enough for every registry request. The first {@value #LOOKUP_CHARS} characters of the random part are
 * stored in clear as an index key, so authentication is one indexed query; the 208 bits left are what a
 * guesser faces.
 */
final class TokenSecrets {

    static final String PAT_PREFIX = "dckr_pat_";
    static final String OAT_PREFIX = "dckr_oat_";
    static final int LOOKUP_CHARS = 8;
    private static final int RANDOM_BYTES = 32;
    private static final int RANDOM_CHARS = 43; // base64url of 32 bytes, unpadded
    private static final SecureRandom RANDOM = new SecureRandom();

    record Issued(String token, String lookupPrefix, String hash) {
        @Override
        public String toString() {
            return "Issued[lookupPrefix=" + lookupPrefix + "]"; // never the token
        }
    }

    private TokenSecrets() {}

    static Issued issue(String prefix) {
        byte[] random = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(random);
        String token = prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        return new Issued(token, lookupPrefix(prefix, token).orElseThrow(), hash(token));
    }

    /** The lookup key of a well-formed token, or empty for anything that cannot be one of ours. */
    static Optional<String> lookupPrefix(String prefix, String token) {
        if (token == null || token.length() != prefix.length() + RANDOM_CHARS || !token.startsWith(prefix)) {
            return Optional.empty();
        }
        for (int i = prefix.length(); i < token.length(); i++) {
            char c = token.charAt(i);
            boolean base64url = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_';
            if (!base64url) return Optional.empty();
        }
        return Optional.of(token.substring(prefix.length(), prefix.length() + LOOKUP_CHARS));
    }

    static String hash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is unavailable", e);
        }
    }

    /** Constant-time comparison of two hex hashes. */
    static boolean sameHash(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }
}
