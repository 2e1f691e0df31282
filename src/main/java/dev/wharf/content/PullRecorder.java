package dev.wharf.content;

import dev.wharf.model.Digest;
import dev.wharf.storage.meta.MetadataStore;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts manifest pulls in memory and writes them in batches, so a GET does not pay for a database write.
 * Pulls that arrive between two flushes are lost if the process is killed; that is at most one flush interval
 * of statistics, never registry content. {@link #flush()} runs on a timer and at shutdown.
 */
public final class PullRecorder {
    private static final Logger log = LoggerFactory.getLogger(PullRecorder.class);

    private record Key(String repository, Digest digest) {}

    private record Pending(long count, Instant last) {}

    private final MetadataStore store;
    private final Map<Key, Pending> pending = new ConcurrentHashMap<>();

    public PullRecorder(MetadataStore store) {
        this.store = store;
    }

    public void record(String repository, Digest digest, Instant at) {
        pending.merge(new Key(repository, digest), new Pending(1, at),
                (a, b) -> new Pending(a.count + b.count, a.last.isAfter(b.last) ? a.last : b.last));
    }

    /** Writes every pending count; safe to call concurrently with {@link #record}. */
    public void flush() {
        for (Key key : pending.keySet()) {
            Pending p = pending.remove(key);
            if (p == null) continue;
            try {
                store.recordPulls(key.repository, key.digest, p.count, p.last);
            } catch (RuntimeException e) {
                log.warn("could not record {} pulls of {}@{}: {}", p.count, key.repository, key.digest, e.toString());
            }
        }
    }
}
