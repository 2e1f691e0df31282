package dev.wharf.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.jobs.JobFailure;
import dev.wharf.model.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Issue 13, finding 11: a gzip bomb in a docker save upload is refused, and cancellation is seen while inflating. */
class ImageTarballLimitsTest {
    @Test
    void aLayerThatInflatesBeyondTheRatioIsRefused() throws Exception {
        byte[] tarball = dockerSave(gzipZeros(256L << 20), "sha256:" + "0".repeat(64));
        assertThatThrownBy(() -> new ImageTarball(() -> new ByteArrayInputStream(tarball)).plan())
                .isInstanceOf(JobFailure.class)
                .hasMessageContaining("decompression bomb");
    }

    @Test
    void theTotalInflatedSizeIsBounded() throws Exception {
        byte[] layer = gzipZeros(8L << 20);
        byte[] tarball = dockerSave(layer, "sha256:" + "0".repeat(64));
        assertThatThrownBy(() -> new ImageTarball(() -> new ByteArrayInputStream(tarball), () -> {}, 1L << 20).plan())
                .isInstanceOf(JobFailure.class)
                .hasMessageContaining("decompress to more than 1048576 bytes");
    }

    @Test
    void cancellationIsCheckedWhileDecompressing() throws Exception {
        byte[] tarball = dockerSave(gzipZeros(48L << 20), "sha256:" + "0".repeat(64));
        AtomicInteger checks = new AtomicInteger();
        // The job is "cancelled" the first time the check runs from inside the decompression of the layer.
        Runnable cancelWhileInflating = () -> {
            checks.incrementAndGet();
            for (StackTraceElement frame : new Throwable().getStackTrace()) {
                if (frame.getClassName().endsWith("InflateLimit")) throw JobFailure.permanent("the job was cancelled");
            }
        };
        assertThatThrownBy(() -> new ImageTarball(() -> new ByteArrayInputStream(tarball), cancelWhileInflating,
                ImageTarball.MAX_INFLATED_BYTES).plan())
                .isInstanceOf(JobFailure.class)
                .hasMessageContaining("cancelled");
        assertThat(checks.get()).as("entries were checked before the layer").isGreaterThan(1);
    }

    private static byte[] gzipZeros(long size) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16)) {
            byte[] zeros = new byte[1 << 16];
            for (long left = size; left > 0; left -= zeros.length) gz.write(zeros, 0, (int) Math.min(zeros.length, left));
        }
        return out.toByteArray();
    }

    private static byte[] dockerSave(byte[] layer, String diffId) throws IOException {
        byte[] config = ("{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] manifest = "[{\"Config\":\"config.json\",\"Layers\":[\"layer.tar.gz\"]}]".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        entry(out, "manifest.json", manifest);
        entry(out, "config.json", config);
        entry(out, "layer.tar.gz", layer);
        out.write(new byte[1024]);
        assertThat(Digest.sha256(config)).isNotNull();
        return out.toByteArray();
    }

    private static void entry(OutputStream out, String name, byte[] data) throws IOException {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, "%011o".formatted(data.length));
        put(h, 136, "%011o".formatted(0));
        h[156] = '0';
        put(h, 257, "ustar");
        put(h, 263, "00");
        put(h, 148, "        ");
        int sum = 0;
        for (byte b : h) sum += b & 0xff;
        put(h, 148, "%06o".formatted(sum));
        h[154] = 0;
        h[155] = ' ';
        out.write(h);
        out.write(data);
        out.write(new byte[(512 - data.length % 512) % 512]);
    }

    private static void put(byte[] header, int offset, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }
}
