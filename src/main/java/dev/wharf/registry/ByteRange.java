package dev.wharf.registry;

import java.util.Optional;

/** One satisfiable byte range of a blob, from an HTTP {@code Range: bytes=...} header. */
record ByteRange(long start, long endInclusive) {
    long length() {
        return endInclusive - start + 1;
    }

    /**
     * Parses {@code bytes=a-b}, {@code bytes=a-} and {@code bytes=-n}. Empty when there is no usable Range (serve
     * the whole blob, as RFC 9110 allows for multi-range or malformed headers); throws when the range lies outside
     * the blob (416).
     */
    static Optional<ByteRange> parse(String header, long size) {
        if (header == null || !header.startsWith("bytes=") || header.contains(",")) return Optional.empty();
        String spec = header.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) return Optional.empty();
        try {
            String first = spec.substring(0, dash).trim();
            String last = spec.substring(dash + 1).trim();
            if (first.isEmpty()) {
                if (last.isEmpty()) return Optional.empty();
                long suffix = Long.parseLong(last);
                if (suffix <= 0 || size == 0) throw new Unsatisfiable();
                return Optional.of(new ByteRange(Math.max(0, size - suffix), size - 1));
            }
            long start = Long.parseLong(first);
            long end = last.isEmpty() ? size - 1 : Math.min(Long.parseLong(last), size - 1);
            if (start < 0 || start >= size || end < start) throw new Unsatisfiable();
            return Optional.of(new ByteRange(start, end));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static final class Unsatisfiable extends RuntimeException {
        Unsatisfiable() {
            super(null, null, false, false);
        }
    }
}
