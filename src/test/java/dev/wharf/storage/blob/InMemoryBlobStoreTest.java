package dev.wharf.storage.blob;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class InMemoryBlobStoreTest extends BlobStoreContract {
    @Override
    protected BlobStore newStore() {
        return new InMemoryBlobStore();
    }

    @Test
    void kindIsMemory() {
        assertThat(store.kind()).isEqualTo("memory");
    }
}
