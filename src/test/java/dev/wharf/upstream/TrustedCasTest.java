package dev.wharf.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.tls.SelfSignedCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** outbound.ca_file adds to the JDK's CAs: an upstream with a public certificate stays trusted. */
class TrustedCasTest {
    @TempDir
    Path dir;

    @Test
    void theStoreHoldsTheJdksCasAndTheOperators() throws Exception {
        SelfSignedCa.Issued issued = SelfSignedCa.ensure(dir, List.of("127.0.0.1"), Instant.now());
        X509Certificate ca;
        try (var in = Files.newInputStream(issued.ca())) {
            ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        system.init((KeyStore) null);
        int systemCas = ((X509TrustManager) system.getTrustManagers()[0]).getAcceptedIssuers().length;
        assertThat(systemCas).as("the JDK ships CAs").isPositive();

        KeyStore store = TrustedCas.withSystemCas(List.of(ca));
        assertThat(store.size()).isEqualTo(systemCas + 1);
        assertThat(Collections.list(store.aliases()).stream().map(a -> {
            try {
                return store.getCertificate(a);
            } catch (java.security.KeyStoreException e) {
                throw new IllegalStateException(e);
            }
        })).contains(ca);
    }
}
