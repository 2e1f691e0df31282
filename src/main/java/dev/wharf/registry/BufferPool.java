package dev.wharf.registry;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Direct buffers of one size for file bytes on their way to a socket, reused across requests. At most
 * {@code maxDirect} are ever made, so concurrent downloads cannot exhaust the node's small direct memory
 * ({@code -XX:MaxDirectMemorySize}); a request that finds none free gets a heap buffer instead, which costs the JDK
 * one more copy per read and write but no direct memory of its own.
 */
final class BufferPool {
    private final int size;
    private final int maxDirect;
    private final ArrayBlockingQueue<ByteBuffer> free;
    private final AtomicInteger made = new AtomicInteger();

    BufferPool(int size, int maxDirect) {
        this.size = size;
        this.maxDirect = maxDirect;
        this.free = new ArrayBlockingQueue<>(maxDirect);
    }

    /** A cleared buffer of the pool's size: a pooled or new direct one while there may be more, else a heap one. */
    ByteBuffer take() {
        ByteBuffer pooled = free.poll();
        if (pooled != null) return pooled.clear();
        if (made.incrementAndGet() <= maxDirect) return ByteBuffer.allocateDirect(size);
        made.decrementAndGet();
        return ByteBuffer.allocate(size);
    }

    /** Returns a buffer from {@link #take}; heap buffers are left to the garbage collector. */
    void giveBack(ByteBuffer buffer) {
        if (buffer.isDirect()) free.offer(buffer);
    }
}
