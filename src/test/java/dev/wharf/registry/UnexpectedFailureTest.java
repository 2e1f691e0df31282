package dev.wharf.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.content.OciError;
import dev.wharf.content.RegistryException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** What /v2/ answers for a failure no handler mapped: a full disk as a 507, anything else as a 500. */
class UnexpectedFailureTest {
    @Test
    void aFullDiskIsA507WithItsReason() {
        RegistryException e = RegistryRoutes.unexpected("PATCH /v2/a/blobs/uploads/x",
                new UncheckedIOException(new IOException("No space left on device")));
        assertThat(e.error()).isEqualTo(OciError.STORAGE_FULL);
        assertThat(e.error().status()).isEqualTo(507);
        assertThat(e.error().wireCode()).isEqualTo("UNAVAILABLE");
        assertThat(e.getMessage()).contains("storage is full").contains("no space left on device");
    }

    @Test
    void anythingElseStaysAnInternalError() {
        RegistryException e = RegistryRoutes.unexpected("GET /v2/a/tags/list", new IllegalStateException("bug"));
        assertThat(e.error()).isEqualTo(OciError.UNKNOWN);
        assertThat(e.getMessage()).doesNotContain("bug");
    }
}
