package dev.wharf.mirror;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Runs one computation per key at a time on this node: the first caller (the leader) computes on its own thread;
 * callers arriving while it runs wait for and share its result or its exception. The key is released when the
 * leader finishes, so a later call computes again (callers check their cache first).
 */
final class SingleFlight<K> {
    private final ConcurrentHashMap<K, CompletableFuture<Object>> inFlight = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong joins = new java.util.concurrent.atomic.AtomicLong();

    @SuppressWarnings("unchecked")
    <V> V run(K key, Supplier<V> work) {
        CompletableFuture<Object> mine = new CompletableFuture<>();
        CompletableFuture<Object> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            joins.incrementAndGet();
            try {
                return (V) running.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw e;
            }
        }
        try {
            V value = work.get();
            mine.complete(value);
            return value;
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    /** How many calls joined a computation already running (for tests). */
    long joins() {
        return joins.get();
    }

    /** Keys being computed now (for tests and metrics). */
    int size() {
        return inFlight.size();
    }
}
