package dev.wharf.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.tls.SelfSignedCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** outbound.ca_file: read at start; what is not a PEM certificate bundle stops the start with the key named. */
class OutboundCaFileTest {
    @TempDir
    Path dir;

    @Test
    void aPemBundleIsReadAndNothingElseIsTaken() throws Exception {
        assertThat(load(Map.of()).trustedCas()).isEmpty();

        SelfSignedCa.Issued issued = SelfSignedCa.ensure(Files.createDirectory(dir.resolve("ca")),
                List.of("127.0.0.1"), Instant.now());
        Path bundle = dir.resolve("bundle.pem");
        Files.writeString(bundle, Files.readString(issued.ca()) + Files.readString(issued.certificate()));
        assertThat(load(Map.of("WHARF_OUTBOUND_CA_FILE", bundle.toString())).trustedCas()).hasSize(2);

        assertThatThrownBy(() -> load(Map.of("WHARF_OUTBOUND_CA_FILE", dir.resolve("missing.pem").toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("outbound.ca_file")
                .hasMessageContaining("cannot read it");
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a certificate\n");
        assertThatThrownBy(() -> load(Map.of("WHARF_OUTBOUND_CA_FILE", text.toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("outbound.ca_file");
        // The key alone is not a certificate: refused, and never echoed.
        assertThatThrownBy(() -> load(Map.of("WHARF_OUTBOUND_CA_FILE", issued.key().toString())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("outbound.ca_file")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(Files.readString(issued.key()).lines()
                        .skip(1).findFirst().orElseThrow()));
    }

    private OutboundConfig load(Map<String, String> env) throws Exception {
        Path config = Files.writeString(dir.resolve("wharf-" + System.nanoTime() + ".yaml"), "");
        return ConfigLoader.load(List.of("--config", config.toString()), env).outbound();
    }
}
