package dev.wharf.auth;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * A value a new node will certainly need during start-up, computed from now on a daemon thread of its own (the
 * administrator's password hash, the token signing key), so that it overlaps with creating the database instead of
 * following it.
 */
public final class ComputedAhead {
    private ComputedAhead() {}

    /**
     * Starts {@code work} on a platform thread named {@code thread}.
     *
     * @return the value, waiting for it if need be; a runtime exception of {@code work} is rethrown as it was thrown
     */
    public static <T> Supplier<T> start(String thread, Supplier<T> work) {
        CompletableFuture<T> value = CompletableFuture.supplyAsync(work,
                task -> Thread.ofPlatform().name(thread).daemon().start(task));
        return () -> {
            try {
                return value.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        };
    }
}
