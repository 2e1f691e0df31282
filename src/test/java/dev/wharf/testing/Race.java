package dev.wharf.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writers racing background work (collector passes, quota sweeps): each background task runs over and over
 * until every writer is done; then the loops stop. A failure on any thread fails the race.
 */
public final class Race {
    /** One writer's whole run; {@code index} tells the writers apart (0, 1, ...). */
    @FunctionalInterface
    public interface Writer {
        void run(int index) throws Exception;
    }

    private Race() {}

    public static void run(List<Runnable> loops, int writers, Writer writer) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService threads = Executors.newCachedThreadPool();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (Runnable loop : loops) {
                running.add(threads.submit(() -> {
                    while (!stop.get()) loop.run();
                    return null;
                }));
            }
            List<Future<?>> writing = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int index = w;
                writing.add(threads.submit(() -> {
                    writer.run(index);
                    return null;
                }));
            }
            for (Future<?> f : writing) f.get(3, TimeUnit.MINUTES);
            stop.set(true);
            for (Future<?> f : running) f.get(1, TimeUnit.MINUTES);
        } finally {
            stop.set(true);
            threads.shutdownNow();
        }
    }
}
