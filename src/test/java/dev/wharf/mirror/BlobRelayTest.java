package dev.wharf.mirror;

import static dev.wharf.mirror.BlobFetchTest.bytes;
import static dev.wharf.mirror.BlobFetchTest.streamed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.model.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BlobRelayTest {
    private static final Duration STALL = Duration.ofSeconds(30);

    @Test
    void theClientGetsTheWholeBlobAndEveryByteIsCounted() throws Exception {
        byte[] content = bytes(1_000_000, 1);
        AtomicLong counted = new AtomicLong();
        BlobRelay relay = new BlobRelay(Digest.sha256(content),
                streamed(new ByteArrayInputStream(content), content.length), STALL, counted::addAndGet);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(relay.size()).isEqualTo(content.length);
        assertThat(relay.sendTo(out)).isEqualTo(content.length);
        assertThat(out.toByteArray()).isEqualTo(content);
        assertThat(counted.get()).isEqualTo(content.length);
    }

    @Test
    void bytesThatDoNotVerifyNeverReachTheClientWhole() {
        byte[] content = bytes(200_000, 2);
        byte[] other = bytes(200_000, 3);
        BlobRelay relay = new BlobRelay(Digest.sha256(content),
                streamed(new ByteArrayInputStream(other), other.length), STALL, n -> { });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> relay.sendTo(out)).isInstanceOf(IOException.class).hasMessageContaining("hash to");
        // All but the last byte went on as they came; the last was held back and never sent.
        assertThat(out.toByteArray()).isEqualTo(Arrays.copyOf(other, other.length - 1));
    }

    @Test
    void aBodyShorterThanAnnouncedIsAFailure() {
        byte[] content = bytes(100_000, 4);
        BlobRelay relay = new BlobRelay(Digest.sha256(content),
                streamed(new ByteArrayInputStream(content, 0, 50_000), content.length), STALL, n -> { });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> relay.sendTo(out)).isInstanceOf(IOException.class)
                .hasMessageContaining("sent 50000 of 100000");
        assertThat(out.size()).isLessThan(content.length);
    }

    @Test
    void aBodyLongerThanAnnouncedIsAFailure() {
        byte[] content = bytes(100_000, 5);
        byte[] longer = Arrays.copyOf(content, 100_001);
        BlobRelay relay = new BlobRelay(Digest.sha256(content),
                streamed(new ByteArrayInputStream(longer), content.length), STALL, n -> { });
        assertThatThrownBy(() -> relay.sendTo(new ByteArrayOutputStream())).isInstanceOf(IOException.class)
                .hasMessageContaining("more than the 100000 bytes");
    }

    @Test
    void aStalledUpstreamIsCutOff() throws Exception {
        byte[] content = bytes(10_000, 6);
        CountDownLatch closed = new CountDownLatch(1);
        InputStream stalled = BlobFetchTest.stalledAfter(content, 1000, closed);
        BlobRelay relay = new BlobRelay(Digest.sha256(content), streamed(stalled, content.length),
                Duration.ofMillis(400), n -> { });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThatThrownBy(() -> relay.sendTo(out)).isInstanceOf(IOException.class)
                .hasMessageContaining("socket closed");
        assertThat(closed.getCount()).as("the watch closed the upstream's body").isZero();
        assertThat(out.size()).isLessThan(content.length);
    }

    @Test
    void aBlobOfUnknownLengthIsNotRelayed() {
        assertThatThrownBy(() -> new BlobRelay(Digest.sha256(new byte[1]),
                streamed(new ByteArrayInputStream(new byte[1]), -1), STALL, n -> { }))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
