package dev.wharf.model;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Whether text from a client can be kept as text: valid UTF-8 with no NUL character. PostgreSQL refuses NUL in
 * text columns ({@code invalid byte sequence for encoding "UTF8": 0x00}), and lenient decoding would silently turn
 * invalid bytes into U+FFFD; both are refused at the edge instead (issue 13 finding 10). Each method returns why the
 * input is refused, or null when it is fine.
 */
public final class CleanText {
    public static final String NUL = "contains a NUL character";
    public static final String NOT_UTF8 = "is not valid UTF-8";

    private CleanText() {}

    /** A decoded string: no NUL, no unpaired surrogate (what invalid UTF-8 or a lone \\uD800 escape leaves). */
    public static String problem(String s) {
        if (s == null) return null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) return NUL;
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return NOT_UTF8;
                }
            } else if (Character.isLowSurrogate(c)) {
                return NOT_UTF8;
            }
        }
        return null;
    }

    /** Raw bytes meant as UTF-8 text. */
    public static String bytesProblem(byte[] bytes) {
        for (byte b : bytes) if (b == 0) return NUL;
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return null;
        } catch (CharacterCodingException e) {
            return NOT_UTF8;
        }
    }

    /**
     * Percent-encoded text as it stands in a URI path, a query string or a form body ({@code form}: '+' is a space):
     * the bytes it decodes to must be clean. A malformed escape is left to the parser that reads it.
     */
    public static String percentEncodedProblem(String raw, boolean form) {
        if (raw == null || raw.isEmpty()) return null;
        String direct = problem(raw);
        if (direct != null) return direct;
        if (raw.indexOf('%') < 0) return null;
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length() && hex(raw.charAt(i + 1)) >= 0 && hex(raw.charAt(i + 2)) >= 0) {
                out.write(hex(raw.charAt(i + 1)) * 16 + hex(raw.charAt(i + 2)));
                i += 2;
            } else if (form && c == '+') {
                out.write(' ');
            } else if (c < 0x80) {
                out.write(c);
            } else {
                byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(encoded, 0, encoded.length);
            }
        }
        return bytesProblem(out.toByteArray());
    }

    /**
     * A JSON document's bytes: clean UTF-8, and no string escape that decodes to NUL ({@code \u0000}) or to half
     * of a surrogate pair.
     */
    public static String jsonProblem(byte[] json) {
        String bytes = bytesProblem(json);
        if (bytes != null) return bytes;
        boolean pendingHigh = false;
        for (int i = 0; i < json.length; i++) {
            if (json[i] != '\\' || i + 1 >= json.length) {
                if (pendingHigh) return NOT_UTF8;
                continue;
            }
            if (json[i + 1] != 'u' || i + 5 >= json.length) {
                if (pendingHigh) return NOT_UTF8;
                i++; // an escaped character, e.g. \\ or \"
                continue;
            }
            int value = 0;
            for (int k = 2; k <= 5; k++) {
                int h = hex((char) json[i + k]);
                if (h < 0) return null; // malformed: the JSON parser will say so
                value = value * 16 + h;
            }
            i += 5;
            if (value == 0) return NUL;
            boolean high = value >= 0xD800 && value <= 0xDBFF;
            boolean low = value >= 0xDC00 && value <= 0xDFFF;
            if (pendingHigh != low) return NOT_UTF8; // a high not followed by a low, or a low with no high
            pendingHigh = high;
        }
        return pendingHigh ? NOT_UTF8 : null;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
}
