package dev.wharf.storage.blob;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One lock per upload id, created on demand and dropped when nobody holds or waits for it.
 *
 * <p>Per id rather than striped because an append holds the lock while it streams a client's body, which can
 * take minutes; a striped lock would make unrelated uploads that share a stripe wait for each other.
 * ReentrantLock rather than synchronized so a virtual thread blocked here does not pin its carrier.
 */
final class UploadLocks {
    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        int users; // only read and written inside ConcurrentHashMap.compute, which serialises per key
    }

    /** A held lock; closing releases it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

    Held lock(String uploadId) {
        Entry entry = entries.compute(uploadId, (id, e) -> {
            Entry held = e == null ? new Entry() : e;
            held.users++;
            return held;
        });
        entry.lock.lock();
        return () -> {
            entry.lock.unlock();
            entries.compute(uploadId, (id, e) -> --e.users == 0 ? null : e);
        };
    }
}
