package dev.wharf.sources;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/**
 * What /v1/ answers for a failure no rule mapped: a full disk as Cycle's 503 (its Error schema has no 507) with
 * the reason, anything else as a 500.
 */
class CycleUnexpectedFailureTest {
    @Test
    void aFullDiskIsA503NotReadyWithItsReason() {
        CycleException e = CycleRoutes.unexpected("POST /v1/images/x/upload",
                new UncheckedIOException(new IOException("No space left on device")));
        assertThat(e.error()).isEqualTo(CycleError.STORAGE_FULL);
        assertThat(e.error().status()).isEqualTo(503);
        assertThat(e.error().code()).isEqualTo("503.not-ready");
        assertThat(e.getMessage()).contains("storage is full");
    }

    @Test
    void anythingElseStaysAnInternalError() {
        assertThat(CycleRoutes.unexpected("GET /v1/jobs", new IllegalStateException("bug")).error())
                .isEqualTo(CycleError.INTERNAL);
    }
}
