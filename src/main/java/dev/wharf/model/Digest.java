package dev.wharf.model;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as the OCI image spec defines it: {@code algorithm ":" encoded}.
 * Only the registered algorithms sha256 and sha512 are accepted, with lowercase hex of the exact length,
 * so a Digest that exists is always safe to use in a storage key.
 */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {
    private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

    public Digest {
        if (!isValid(algorithm, hex)) {
            throw new IllegalArgumentException("invalid digest: " + algorithm + ":" + hex);
        }
    }

    /** Parses "sha256:abc..."; throws IllegalArgumentException with a readable message when malformed. */
    public static Digest parse(String value) {
        if (value == null) throw new IllegalArgumentException("digest is missing");
        int colon = value.indexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("invalid digest: " + value);
        return new Digest(value.substring(0, colon), value.substring(colon + 1));
    }

    /** True when the string looks like a digest reference (used to tell tags from digests). */
    public static boolean looksLikeDigest(String reference) {
        return reference != null && reference.indexOf(':') > 0;
    }

    public static boolean isValid(String algorithm, String hex) {
        if (algorithm == null || hex == null) return false;
        return switch (algorithm) {
            case "sha256" -> SHA256.matcher(hex).matches();
            case "sha512" -> SHA512.matcher(hex).matches();
            default -> false;
        };
    }

    public static boolean isSupportedAlgorithm(String algorithm) {
        return "sha256".equals(algorithm) || "sha512".equals(algorithm);
    }

    public static Digest sha256(byte[] content) {
        return of("sha256", content);
    }

    public static Digest of(String algorithm, byte[] content) {
        return new Digest(algorithm, HexFormat.of().formatHex(newHasher(algorithm).digest(content)));
    }

    /** A fresh hasher for a supported algorithm ("sha256" → SHA-256, "sha512" → SHA-512). */
    public static MessageDigest newHasher(String algorithm) {
        try {
            return switch (algorithm) {
                case "sha256" -> MessageDigest.getInstance("SHA-256");
                case "sha512" -> MessageDigest.getInstance("SHA-512");
                default -> throw new IllegalArgumentException("unsupported digest algorithm: " + algorithm);
            };
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Digest fromHasher(String algorithm, MessageDigest hasher) {
        return new Digest(algorithm, HexFormat.of().formatHex(hasher.digest()));
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }
}
