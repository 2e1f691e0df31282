package dev.wharf.model;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Cycle's resource ids: 24 lowercase hex characters. Wharf's are random (not time-ordered like MongoDB's), so
 * they reveal nothing about when or where a resource was made.
 */
public final class ObjectId {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern SHAPE = Pattern.compile("[0-9a-f]{24}");

    private ObjectId() {}

    public static String random() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    public static boolean isValid(String id) {
        return id != null && SHAPE.matcher(id).matches();
    }

    /** A numeric id (e.g. a Wharf user id) shown in Cycle's id shape; reversible with {@link #toLong}. */
    public static String ofLong(long value) {
        return String.format("%024x", value);
    }

    public static long toLong(String id) {
        return Long.parseUnsignedLong(id.substring(8), 16);
    }
}
