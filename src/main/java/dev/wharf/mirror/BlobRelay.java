package dev.wharf.mirror;

import dev.wharf.model.Digest;
import dev.wharf.registry.PullThrough;
import dev.wharf.upstream.OutboundResponse;
import dev.wharf.upstream.UpstreamClient;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.function.LongConsumer;

/**
 * A blob passed from the upstream to one client without being stored, for a node that has no room to keep it: the
 * mirror then still serves its clients, as a proxy, instead of failing every cold pull until space is freed. The
 * same guarantees as a stored download's: the bytes are hashed on the way and the last one is held back until they
 * verified, so a client never receives a complete body with other content; a broken or stalled upstream cuts the
 * response short.
 */
final class BlobRelay implements PullThrough.Relayed {
    /** Bytes copied to the client per write; the upstream hands over at most 64 KiB at a time. */
    private static final int STEP = 64 * 1024;

    private final Digest digest;
    private final UpstreamClient.Blob body;
    private final Duration stallTimeout;
    private final LongConsumer upstreamBytes;

    /**
     * @param body the upstream's answer, with its declared length
     * @param upstreamBytes counts bytes received from the upstream (for the metric)
     */
    BlobRelay(Digest digest, UpstreamClient.Blob body, Duration stallTimeout, LongConsumer upstreamBytes) {
        if (body.length() < 0) throw new IllegalArgumentException("a relayed blob needs its length");
        this.digest = digest;
        this.body = body;
        this.stallTimeout = stallTimeout;
        this.upstreamBytes = upstreamBytes;
    }

    @Override
    public long size() {
        return body.length();
    }

    @Override
    public long sendTo(OutputStream out) throws IOException {
        long size = body.length();
        Sink sink;
        try (StallWatch watch = new StallWatch(stallTimeout, body::close)) {
            sink = new Sink(out, size, watch);
            body.readTo(sink);
        }
        if (sink.received != size) {
            throw new IOException("the upstream sent " + sink.received + " of " + size + " bytes of " + digest);
        }
        Digest actual = Digest.fromHasher(digest.algorithm(), sink.hasher);
        if (!actual.equals(digest)) {
            throw new IOException("the upstream's bytes for " + digest + " hash to " + actual);
        }
        if (sink.held >= 0) out.write(sink.held);
        out.flush();
        return size;
    }

    /** The relay's side of the upstream body: hashes, counts and passes it on, one byte behind. */
    private final class Sink implements OutboundResponse.BodySink {
        private final OutputStream out;
        private final long size;
        private final MessageDigest hasher = Digest.newHasher(digest.algorithm());
        private final byte[] step = new byte[STEP];
        private final StallWatch watch;
        private long received;
        /** The last byte so far, written only when the next bytes come or the digest verified; -1 before any. */
        private int held = -1;

        Sink(OutputStream out, long size, StallWatch watch) {
            this.out = out;
            this.size = size;
            this.watch = watch;
        }

        @Override
        public void accept(ByteBuffer bytes) throws IOException {
            watch.progress(System.nanoTime());
            received += bytes.remaining();
            if (received > size) {
                throw new IOException("the upstream sent more than the " + size + " bytes it announced");
            }
            while (bytes.hasRemaining()) {
                int n = Math.min(bytes.remaining(), step.length);
                bytes.get(step, 0, n);
                hasher.update(step, 0, n);
                upstreamBytes.accept(n);
                if (held >= 0) out.write(held);
                out.write(step, 0, n - 1);
                held = step[n - 1] & 0xff;
            }
        }
    }

    @Override
    public void close() {
        body.close();
    }
}
