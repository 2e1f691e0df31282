package dev.wharf.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** What the Hub API answers for a failure no rule mapped: a full disk as a 507 with its reason, else a 500. */
class HubUnexpectedFailureTest {
    @Test
    void aFullDatabaseIsA507WithItsReason() {
        HubException e = HubErrors.unexpected("POST /v2/access-tokens", new IllegalStateException("insert failed",
                new SQLException("[SQLITE_FULL] Insertion failed because database is full (database or disk is full)")));
        assertThat(e.error()).isEqualTo(HubError.STORAGE_FULL);
        assertThat(e.error().status()).isEqualTo(507);
        assertThat(e.getMessage()).contains("storage is full");
    }

    @Test
    void anythingElseStaysAnInternalError() {
        assertThat(HubErrors.unexpected("GET /v2/x", new UncheckedIOException(new IOException("Broken pipe")))
                .error()).isEqualTo(HubError.INTERNAL);
    }
}
