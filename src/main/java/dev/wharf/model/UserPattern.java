package dev.wharf.model;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * A regular expression a user supplied (an immutable-tag rule), compiled with RE2/J so that matching takes time
 * linear in the input whatever the pattern: no backtracking, hence no backreferences, look-around or possessive
 * quantifiers (those are refused as syntax errors). Compiling is bounded too: at most {@value #MAX_LENGTH}
 * characters, and the counted repetitions ({@code {n}}, {@code {n,m}}) of a pattern may multiply to at most
 * {@value #MAX_REPETITION}, since RE2 expands them into program size ({@code ((a{1000}){1000}){1000}} would
 * otherwise exhaust the heap).
 */
public final class UserPattern {
    public static final int MAX_LENGTH = 256;
    public static final long MAX_REPETITION = 1000;

    private final String source;
    private final Pattern pattern;

    private UserPattern(String source, Pattern pattern) {
        this.source = source;
        this.pattern = pattern;
    }

    /** @throws IllegalArgumentException with a message fit for the caller when the pattern is refused */
    public static UserPattern compile(String source) {
        if (source == null) throw new IllegalArgumentException("a regular expression is required");
        if (source.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("longer than " + MAX_LENGTH + " characters");
        }
        if (repetitionProduct(source) > MAX_REPETITION) {
            throw new IllegalArgumentException("counted repetitions ({n,m}) may multiply to at most " + MAX_REPETITION);
        }
        try {
            return new UserPattern(source, Pattern.compile(source));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(e.getDescription() + (e.getPattern() == null || e.getPattern().isEmpty()
                    ? "" : ": " + e.getPattern())
                    + " (RE2 syntax: no backreferences, look-around or possessive quantifiers)");
        }
    }

    public String source() {
        return source;
    }

    /** Whether the whole of {@code text} matches. */
    public boolean matchesWhole(String text) {
        return pattern.matches(text);
    }

    /**
     * The product of the upper bounds of every counted repetition outside character classes and escapes, an upper
     * bound of how much nesting can multiply the program (nesting is not tracked: conservative is enough here).
     */
    static long repetitionProduct(String s) {
        long product = 1;
        boolean inClass = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++; // the escaped character is literal (or a class like \d)
            } else if (inClass) {
                if (c == ']') inClass = false;
            } else if (c == '[') {
                inClass = true;
                if (i + 1 < s.length() && s.charAt(i + 1) == ']') i++; // "[]...]": the first ] is literal
            } else if (c == '{') {
                int close = s.indexOf('}', i);
                if (close < 0) continue;
                long bound = repeatBound(s.substring(i + 1, close));
                if (bound < 0) continue; // not a repetition: RE2 reads the brace literally
                product = Math.min(Long.MAX_VALUE / 2, product * Math.max(1, bound));
                if (product > MAX_REPETITION) return product;
                i = close;
            }
        }
        return product;
    }

    /** The larger count of "n", "n," or "n,m"; -1 if the text is not a repetition count. */
    private static long repeatBound(String inner) {
        if (!inner.matches("\\d{1,9}(,\\d{0,9})?")) return -1;
        long bound = 0;
        for (String part : inner.split(",")) if (!part.isEmpty()) bound = Math.max(bound, Long.parseLong(part));
        return bound;
    }

    @Override
    public String toString() {
        return source;
    }
}
