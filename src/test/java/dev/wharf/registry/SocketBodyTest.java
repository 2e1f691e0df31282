package dev.wharf.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The copy step of {@link SocketBody}: a non-blocking socket takes any part of a write, or nothing, and every byte
 * the socket did not take must go out on a later step, once and in order.
 */
class SocketBodyTest {
    @TempDir Path dir;

    /** A socket that takes a varying, sometimes empty, share of each write, as a full send buffer does. */
    private static final class Stingy implements WritableByteChannel {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final int[] shares = {0, 1, 7000, 0, 32 * 1024, 100, 4096, 0, 65_536};
        private int call;

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(src.remaining(), shares[call++ % shares.length]);
            byte[] bytes = new byte[n];
            src.get(bytes);
            received.write(bytes, 0, n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    @Test
    void bytesASocketDidNotTakeGoOutOnTheNextStepInOrder() throws Exception {
        byte[] data = new byte[300_001];
        new Random(3).nextBytes(data);
        Path file = dir.resolve("blob");
        Files.write(file, data);
        long start = 12_345; // a range that starts inside the file
        long length = data.length - start;
        // Direct, as pooled, and heap, as handed out when the pool's direct buffers are all in use.
        for (ByteBuffer buffer : List.of(ByteBuffer.allocateDirect(SocketBody.COPY_BYTES).limit(0),
                ByteBuffer.allocate(SocketBody.COPY_BYTES).limit(0))) {
            sendsEveryByteOnceInOrder(file, data, start, length, buffer);
        }
    }

    private static void sendsEveryByteOnceInOrder(Path file, byte[] data, long start, long length, ByteBuffer buffer)
            throws Exception {
        Stingy socket = new Stingy();
        try (FileChannel channel = FileChannel.open(file)) {
            long sent = 0;
            int steps = 0;
            while (sent < length) {
                sent += SocketBody.copySteps(channel, start + sent, length - sent, buffer, socket);
                assertThat(++steps).as("steps").isLessThan(10_000);
            }
            assertThat(sent).isEqualTo(length);
        }
        assertThat(socket.received.toByteArray()).isEqualTo(java.util.Arrays.copyOfRange(data, (int) start,
                data.length));
    }

    @Test
    void aFileShorterThanItsLengthIsAnErrorNotAShortBody() throws Exception {
        Path file = dir.resolve("short");
        Files.write(file, new byte[1000]);
        ByteBuffer buffer = ByteBuffer.allocateDirect(SocketBody.COPY_BYTES).limit(0);
        try (FileChannel channel = FileChannel.open(file)) {
            assertThatThrownBy(() -> SocketBody.copy(channel, 0, 5000, buffer, new Stingy()))
                    .isInstanceOf(EOFException.class);
        }
    }
}
