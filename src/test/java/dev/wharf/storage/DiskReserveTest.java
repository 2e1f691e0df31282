package dev.wharf.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.storage.blob.FilesystemBlobStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskReserveTest {
    /** More than any test machine's free space: the reserve is always reached. */
    private static final long MORE_THAN_ANY_DISK = Long.MAX_VALUE / 2;

    @TempDir
    Path dir;

    @Test
    void aReachedReserveIsAFullDiskNamingTheSetting() throws IOException {
        DiskReserve reserve = DiskReserve.of(dir, MORE_THAN_ANY_DISK);
        assertThatThrownBy(reserve::check).isInstanceOfSatisfying(DiskReserve.Reached.class, reached ->
                assertThat(StorageFailure.diagnose(new UncheckedIOException(reached))).hasValueSatisfying(d -> {
                    assertThat(d.kind()).isEqualTo(StorageFailure.Kind.FULL);
                    assertThat(d.message()).startsWith("the registry's storage is full (")
                            .contains(" MiB free, within the ").contains("kept for the database "
                                    + "(storage.reserve_bytes))");
                }));
    }

    @Test
    void noReserveNeverRefuses() throws IOException {
        DiskReserve.of(dir, 0).check();
        DiskReserve.NONE.check();
        DiskReserve.of(dir, 1).check(); // a byte is free on any disk the tests run on
    }

    @Test
    void anAppendPastTheReserveIsRefusedAndLeavesTheUploadAsItWas() throws IOException {
        FilesystemBlobStore reserved = new FilesystemBlobStore(dir.resolve("blobs"), MORE_THAN_ANY_DISK);
        reserved.createUpload("u1");
        assertThatThrownBy(() -> reserved.append("u1", 0, new ByteArrayInputStream(new byte[1024])))
                .isInstanceOf(DiskReserve.Reached.class);
        assertThat(reserved.uploadSize("u1")).hasValue(0);

        FilesystemBlobStore open = new FilesystemBlobStore(dir.resolve("blobs"), 0);
        assertThat(open.append("u1", 0, new ByteArrayInputStream(new byte[1024]))).isEqualTo(1024);
    }
}
