package dev.wharf.sources;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads the regular files of an uncompressed tar stream one after the other, as {@code docker save} and skopeo
 * write them (ustar, GNU long names, pax path and size records). Every header's checksum is verified, so
 * anything that is not a tar archive fails at its first block instead of being read as garbage.
 */
final class TarReader {
    private static final int BLOCK = 512;

    /** A regular file; {@code content} is valid until the next call to {@link #next()}. */
    record Entry(String name, long size, InputStream content) {}

    static final class NotATarException extends IOException {
        NotATarException(String message) {
            super(message);
        }
    }

    private final InputStream in;
    private long remaining; // of the current entry's content
    private long padding;

    TarReader(InputStream in) {
        this.in = in;
    }

    /** The next regular file, or null at the end of the archive. */
    Entry next() throws IOException {
        skipRest();
        String longName = null;
        Long paxSize = null;
        byte[] header = new byte[BLOCK];
        while (true) {
            int n = in.readNBytes(header, 0, BLOCK);
            if (n == 0 || (n == BLOCK && isZero(header))) return null; // end marker (or a stream cut there)
            if (n < BLOCK) throw new NotATarException("the archive ends in the middle of a header");
            verifyChecksum(header);
            long size = number(header, 124, 12);
            char type = (char) header[156];
            String name = longName != null ? longName : name(header);
            if (type == 'L' || type == 'x' || type == 'g') {
                byte[] data = readSmall(size);
                if (type == 'L') longName = cString(data);
                if (type == 'x') {
                    String[] pax = pax(data);
                    if (pax[0] != null) longName = pax[0];
                    if (pax[1] != null) paxSize = Long.parseLong(pax[1]);
                }
                continue;
            }
            if (paxSize != null) size = paxSize;
            remaining = size;
            padding = (BLOCK - size % BLOCK) % BLOCK;
            if (type == '0' || type == 0 || type == '7') {
                return new Entry(normalize(name), size, new Content());
            }
            longName = null; // directories, links and the like carry nothing an image needs
            paxSize = null;
            skipRest();
        }
    }

    private void skipRest() throws IOException {
        skipFully(remaining + padding);
        remaining = 0;
        padding = 0;
    }

    private void skipFully(long n) throws IOException {
        try {
            in.skipNBytes(n);
        } catch (EOFException e) {
            throw new NotATarException("the archive ends in the middle of a file");
        }
    }

    private byte[] readSmall(long size) throws IOException {
        if (size > 1 << 20) throw new NotATarException("an extended tar header is larger than 1 MiB");
        byte[] data = in.readNBytes((int) size);
        if (data.length < size) throw new NotATarException("the archive ends in the middle of a header");
        skipFully((BLOCK - size % BLOCK) % BLOCK);
        return data;
    }

    private static void verifyChecksum(byte[] h) throws NotATarException {
        long stored;
        try {
            stored = number(h, 148, 8);
        } catch (NotATarException e) {
            throw new NotATarException("not a tar archive (no valid header checksum)");
        }
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        if (sum != stored) throw new NotATarException("not a tar archive (header checksum mismatch)");
    }

    /** Octal, NUL/space padded; or GNU base-256 when the high bit of the first byte is set (files over 8 GiB). */
    private static long number(byte[] h, int offset, int length) throws NotATarException {
        if ((h[offset] & 0x80) != 0) {
            long v = h[offset] & 0x7f;
            for (int i = offset + 1; i < offset + length; i++) v = (v << 8) | (h[i] & 0xff);
            return v;
        }
        String s = new String(h, offset, length, StandardCharsets.US_ASCII).replace('\0', ' ').trim();
        if (s.isEmpty()) return 0;
        try {
            return Long.parseLong(s, 8);
        } catch (NumberFormatException e) {
            throw new NotATarException("not a tar archive (bad number in a header)");
        }
    }

    private static String name(byte[] h) {
        String name = cString(h, 0, 100);
        boolean ustar = new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar");
        String prefix = ustar ? cString(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static String normalize(String name) {
        while (name.startsWith("./")) name = name.substring(2);
        while (name.startsWith("/")) name = name.substring(1);
        return name;
    }

    /** {@code path} and {@code size} of pax records "LEN key=value\n". */
    private static String[] pax(byte[] data) {
        String[] out = new String[2];
        for (String record : new String(data, StandardCharsets.UTF_8).split("\n")) {
            int space = record.indexOf(' ');
            int eq = record.indexOf('=');
            if (space < 0 || eq < space) continue;
            String key = record.substring(space + 1, eq);
            if (key.equals("path")) out[0] = record.substring(eq + 1);
            if (key.equals("size")) out[1] = record.substring(eq + 1);
        }
        return out;
    }

    private static String cString(byte[] data) {
        return cString(data, 0, data.length);
    }

    private static String cString(byte[] data, int offset, int length) {
        int end = offset;
        while (end < offset + length && data[end] != 0) end++;
        return new String(data, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) if (b != 0) return false;
        return true;
    }

    /** The current entry's bytes; reading past them reports end of stream. */
    private final class Content extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) == 1 ? one[0] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining == 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n < 0) throw new NotATarException("the archive ends in the middle of a file");
            remaining -= n;
            return n;
        }

        @Override
        public void close() {
            // The archive stays open; next() skips whatever was not read.
        }
    }
}
