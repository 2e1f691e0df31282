package dev.wharf.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.model.Digest;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.blob.InMemoryBlobStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A blob listed by the source but deleted before it is read (a running node's garbage collection): passed over
 * when the source is live ({@code migrate --blobs-only}), an error when the node must be stopped (a full run).
 */
class BlobCopyTest {
    private static final Digest DELETED = Digest.sha256("collected meanwhile".getBytes(StandardCharsets.UTF_8));

    @Test
    void aLiveSourcesDeletedBlobIsPassedOver() throws Exception {
        BlobStore target = new InMemoryBlobStore();
        BlobCopy.Result result = new BlobCopy(sourceListing(DELETED), target, quiet(), true).run();
        assertThat(result.copied()).isEqualTo(1);
        assertThat(result.gone()).isEqualTo(1);
        assertThat(target.size(DELETED)).isEmpty();
    }

    @Test
    void aStoppedSourcesDeletedBlobStopsTheRun() throws Exception {
        assertThatThrownBy(() -> new BlobCopy(sourceListing(DELETED), new InMemoryBlobStore(), quiet()).run())
                .isInstanceOf(MigrateException.class).hasMessageContaining("disappeared from the source");
    }

    /** A store with one blob whose listing also names {@code extra}, which it does not hold. */
    private static BlobStore sourceListing(Digest extra) throws Exception {
        InMemoryBlobStore store = new InMemoryBlobStore();
        byte[] kept = "kept".getBytes(StandardCharsets.UTF_8);
        store.createUpload("u");
        store.append("u", 0, new ByteArrayInputStream(kept));
        store.publish("u", Digest.sha256(kept));
        return (BlobStore) Proxy.newProxyInstance(BlobStore.class.getClassLoader(), new Class<?>[] {BlobStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("list")) {
                        List<Digest> all = new ArrayList<>(List.of(extra));
                        store.list().forEachRemaining(all::add);
                        Iterator<Digest> it = all.iterator();
                        return it;
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }
}
