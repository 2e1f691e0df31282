package dev.wharf.storage.blob;

import dev.wharf.model.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

/** Input streams and helpers for the blob store tests. */
final class TestStreams {
    private TestStreams() {}

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(InputStream in) throws IOException {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Hashes a stream to the end without holding it in memory. */
    static Digest sha256(InputStream in) throws IOException {
        MessageDigest hasher = Digest.newHasher("sha256");
        try (DigestInputStream digesting = new DigestInputStream(in, hasher)) {
            digesting.transferTo(OutputStream.nullOutputStream());
        }
        return Digest.fromHasher("sha256", hasher);
    }

    static <T> List<T> drain(Iterator<T> iterator) {
        List<T> result = new ArrayList<>();
        iterator.forEachRemaining(result::add);
        return result;
    }

    /** {@code size} pseudo-random bytes from a fixed seed, generated on the fly (an LCG's high byte). */
    static InputStream deterministic(long seed, long size) {
        return new InputStream() {
            private long state = seed;
            private long remaining = size;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (remaining == 0) return -1;
                int n = (int) Math.min(len, remaining);
                for (int i = 0; i < n; i++) {
                    state = state * 6364136223846793005L + 1442695040888963407L;
                    b[off + i] = (byte) (state >>> 56);
                }
                remaining -= n;
                return n;
            }
        };
    }

    /** Hands out {@code size} copies of {@code fill} in small pieces with pauses, so racing appends overlap. */
    static InputStream slow(byte fill, int size) {
        return new InputStream() {
            private int remaining = size;

            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (remaining == 0) return -1;
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UncheckedIOException(new IOException("interrupted", e));
                }
                int n = Math.min(Math.min(len, remaining), 16 * 1024);
                Arrays.fill(b, off, off + n, fill);
                remaining -= n;
                return n;
            }
        };
    }

    /** Yields {@code prefix} and then fails, like a client that disconnects mid-body. */
    static InputStream failingAfter(byte[] prefix) {
        return new InputStream() {
            private int position;

            @Override
            public int read() throws IOException {
                if (position < prefix.length) return prefix[position++] & 0xff;
                throw new IOException("client went away");
            }
        };
    }
}
