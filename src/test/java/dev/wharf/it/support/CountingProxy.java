package dev.wharf.it.support;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loopback HTTP/1.1 proxy in front of a registry that counts {@code GET} and {@code HEAD} request targets and slows answers to
 * about {@code bytesPerSecond}, so a test can see which blobs a client fetched (and how often) and catch an
 * import in the middle of a large layer. Requests are read off the raw stream: a registry client's GETs and HEADs
 * carry no body, so every request line starts a new request.
 */
public final class CountingProxy implements AutoCloseable {
    private static final Pattern REQUEST_LINE = Pattern.compile("(GET|HEAD) (\\S+) HTTP/1\\.[01]\r\n");

    /** Counts by method and path: "GET /v2/…". */
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    private final LoopbackProxy proxy;

    public CountingProxy(int targetPort, long bytesPerSecond) {
        this.proxy = new LoopbackProxy(targetPort, () -> new Behaviour(bytesPerSecond));
    }

    public String host() {
        return proxy.host();
    }

    /** How many GETs asked for exactly this path (e.g. {@code /v2/team/app/blobs/sha256:…}). */
    public int gets(String path) {
        return count("GET " + path);
    }

    /** How many HEADs asked for exactly this path. */
    public int heads(String path) {
        return count("HEAD " + path);
    }

    private int count(String request) {
        AtomicInteger n = requests.get(request);
        return n == null ? 0 : n.get();
    }

    /** Takes the link down: open connections are closed (mid-answer too) and new ones refused. */
    public void cut() {
        proxy.cut();
    }

    @Override
    public void close() {
        proxy.close();
    }

    /** One connection: counts its request lines on the way in, paces its answers on the way out. */
    private final class Behaviour implements LoopbackProxy.Behaviour {
        private final long bytesPerSecond;
        private final StringBuilder pending = new StringBuilder();
        /** When the client last sent request bytes; written by the pump towards the server, read by the other. */
        private volatile long requestedAt = System.nanoTime();
        // Only the pump towards the client touches these.
        private long start = requestedAt;
        private long sent;

        Behaviour(long bytesPerSecond) {
            this.bytesPerSecond = bytesPerSecond;
        }

        @Override
        public int forward(LoopbackProxy.Direction direction, byte[] chunk, int n) throws InterruptedException {
            if (direction == LoopbackProxy.Direction.TO_SERVER) {
                count(chunk, n);
                requestedAt = System.nanoTime();
                return n;
            }
            // Each answer is paced from its request: time the kept-alive connection spent idle before must not
            // become credit for a burst (on a busy machine a 24 MiB layer otherwise came at once).
            long request = requestedAt;
            if (request != start) {
                start = request;
                sent = 0;
            }
            sent += n;
            long aheadMillis = sent * 1000 / bytesPerSecond - (System.nanoTime() - start) / 1_000_000;
            if (aheadMillis > 0) Thread.sleep(aheadMillis);
            return n;
        }

        private void count(byte[] chunk, int n) {
            pending.append(new String(chunk, 0, n, StandardCharsets.ISO_8859_1));
            Matcher m = REQUEST_LINE.matcher(pending);
            int end = 0;
            while (m.find()) {
                requests.computeIfAbsent(m.group(1) + " " + m.group(2), k -> new AtomicInteger()).incrementAndGet();
                end = m.end();
            }
            // Keep a tail in case a request line is split across reads.
            pending.delete(0, Math.max(end, pending.length() - 4096));
        }
    }
}
