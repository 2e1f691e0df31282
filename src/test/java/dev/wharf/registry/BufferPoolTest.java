package dev.wharf.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The pool never makes more direct buffers than its bound, whatever the number of buffers in use at once. */
class BufferPoolTest {
    @Test
    void pastItsBoundThePoolHandsOutHeapBuffersAndReusesItsDirectOnes() {
        BufferPool pool = new BufferPool(4096, 2);
        ByteBuffer a = pool.take();
        ByteBuffer b = pool.take();
        ByteBuffer c = pool.take();
        assertThat(a.isDirect()).isTrue();
        assertThat(b.isDirect()).isTrue();
        assertThat(c.isDirect()).as("a third one at once").isFalse();
        assertThat(c.capacity()).isEqualTo(4096);
        a.position(100).limit(200);
        pool.giveBack(a);
        pool.giveBack(c);
        ByteBuffer again = pool.take();
        assertThat(again).isSameAs(a);
        assertThat(again.position()).isZero();
        assertThat(again.limit()).isEqualTo(4096);
        assertThat(pool.take().isDirect()).as("the heap buffer was not pooled, and no third direct one made").isFalse();
    }
}
