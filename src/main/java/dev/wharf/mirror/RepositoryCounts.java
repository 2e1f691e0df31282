package dev.wharf.mirror;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cache hits and misses per mirrored repository, counted in memory on the request path and added to
 * {@code mirror_repository_counts} by {@link #flush} (the server's background task, about once a second), so a
 * pull never waits for a write. Each node adds its own counts; the rows are cluster totals. Counts of a node
 * that stops without a last flush are lost (at most a second's worth).
 */
final class RepositoryCounts {
    private record Pending(LongAdder hits, LongAdder misses) {}

    private final MirrorStore store;
    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();

    RepositoryCounts(MirrorStore store) {
        this.store = store;
    }

    void hit(String repository) {
        of(repository).hits().increment();
    }

    void miss(String repository) {
        of(repository).misses().increment();
    }

    private Pending of(String repository) {
        return pending.computeIfAbsent(repository, r -> new Pending(new LongAdder(), new LongAdder()));
    }

    /** Adds what was counted since the last flush to the table; a failed write keeps the counts for the next. */
    void flush() {
        for (Map.Entry<String, Pending> e : pending.entrySet()) {
            long hits = e.getValue().hits().sumThenReset();
            long misses = e.getValue().misses().sumThenReset();
            // Entries stay (one per repository pulled since start): removing an idle one could lose a request's
            // increment that raced with the removal.
            if (hits == 0 && misses == 0) continue;
            try {
                store.addCounts(e.getKey(), hits, misses);
            } catch (RuntimeException failure) {
                e.getValue().hits().add(hits);
                e.getValue().misses().add(misses);
                throw failure;
            }
        }
    }
}
