package dev.wharf.mirror;

import dev.wharf.model.Digest;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * How far one image's fetch ahead may run before its clients: it starts the next blob only while at most one blob it
 * fetched has not been asked for yet (so at most two are ahead of the clients at any time). Across a link that keeps the upstream busy while the client finishes a blob
 * and sends its next request, which is what fetching ahead is for. On a fast upstream it no longer downloads the
 * whole image in one burst on the cores the client needs (docs/benchmarks.md, "Fetching ahead, paced by the
 * clients"), and a client that only inspects an image, or holds most of its layers, costs at most two blobs.
 */
final class PrefetchLead {
    /** Blobs fetched ahead and not asked for, at most, before the next one is started. */
    static final int AHEAD = 1;

    private final Set<Digest> fetched = new HashSet<>();
    private final Set<Digest> asked = new HashSet<>();
    private long lastAskedNanos = System.nanoTime();

    /** A client asked for a blob of the repository. */
    synchronized void asked(Digest digest) {
        asked.add(digest);
        lastAskedNanos = System.nanoTime();
        notifyAll();
    }

    /** The fetch ahead started (or joined) this blob's download. */
    synchronized void fetching(Digest digest) {
        fetched.add(digest);
    }

    /**
     * Waits until the next blob may be fetched.
     *
     * @return false when no client asked for a blob of the repository for {@code idle}: the clients are done (or only
     *     inspected the image), so the rest is left to their own requests
     */
    synchronized boolean awaitTurn(Duration idle) throws InterruptedException {
        while (true) {
            if (aheadOfClients() <= AHEAD) return true;
            long left = lastAskedNanos + idle.toNanos() - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000));
        }
    }

    private long aheadOfClients() {
        return fetched.stream().filter(d -> !asked.contains(d)).count();
    }
}
