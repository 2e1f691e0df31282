package dev.wharf.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Minimal ustar writing and reading: enough for real image layers without a tar library. */
public final class Tar {
    private static final int BLOCK = 512;

    private Tar() {}

    /** One regular file of {@code size} seeded random bytes, then the end-of-archive marker. */
    public static void writeRandomFile(OutputStream out, String name, long size, long seed) throws IOException {
        out.write(header(name, size));
        Random random = new Random(seed);
        byte[] buffer = new byte[64 * 1024];
        for (long left = size; left > 0; ) {
            random.nextBytes(buffer);
            int n = (int) Math.min(buffer.length, left);
            out.write(buffer, 0, n);
            left -= n;
        }
        pad(out, size);
        end(out);
    }

    /** One regular file of {@code size} zero bytes, written as it streams (no end marker: see {@link #end}). */
    public static void writeZeros(OutputStream out, String name, long size) throws IOException {
        out.write(header(name, size));
        byte[] zeros = new byte[64 * 1024];
        for (long left = size; left > 0; left -= zeros.length) out.write(zeros, 0, (int) Math.min(zeros.length, left));
        pad(out, size);
    }

    /** One regular file holding {@code content} (no end marker: see {@link #end}). */
    public static void writeFile(OutputStream out, String name, byte[] content) throws IOException {
        out.write(header(name, content.length));
        out.write(content);
        pad(out, content.length);
    }

    /** The end-of-archive marker. */
    public static void end(OutputStream out) throws IOException {
        out.write(new byte[2 * BLOCK]);
    }

    /** Zeros after a file's {@code size} bytes up to the next block. */
    private static void pad(OutputStream out, long size) throws IOException {
        out.write(new byte[(int) ((BLOCK - size % BLOCK) % BLOCK)]);
    }

    /** Regular files of an uncompressed tar stream, by name; long-name extensions are not needed here. */
    public static Map<String, byte[]> readFiles(InputStream in) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        byte[] header = new byte[BLOCK];
        while (in.readNBytes(header, 0, BLOCK) == BLOCK && header[0] != 0) {
            String name = field(header, 0, 100);
            String prefix = field(header, 345, 155);
            long size = Long.parseLong(field(header, 124, 12).trim(), 8);
            byte[] data = in.readNBytes((int) size);
            in.skipNBytes((BLOCK - size % BLOCK) % BLOCK);
            if (header[156] == '0' || header[156] == 0) {
                files.put(prefix.isEmpty() ? name : prefix + "/" + name, data);
            }
        }
        return files;
    }

    private static byte[] header(String name, long size) {
        byte[] h = new byte[BLOCK];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, "%011o".formatted(size));
        put(h, 136, "%011o".formatted(0));
        h[156] = '0';
        put(h, 257, "ustar");
        put(h, 263, "00");
        // The checksum is computed with its own field read as eight spaces.
        put(h, 148, "        ");
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, "%06o".formatted(sum));
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static void put(byte[] header, int offset, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
    }
}
