package dev.wharf.upstream;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The trust store of outbound HTTPS with {@code outbound.ca_file}: the JDK's own CAs and the operator's. A trust
 * store given to a TLS client replaces the JDK's rather than adding to it, so without the JDK's CAs an upstream
 * with a public certificate (Docker Hub) would stop being trusted the moment a private CA is added.
 */
final class TrustedCas {
    private TrustedCas() {}

    static KeyStore withSystemCas(List<X509Certificate> extra) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            int n = 0;
            for (TrustManager manager : system.getTrustManagers()) {
                if (!(manager instanceof X509TrustManager x509)) continue;
                for (X509Certificate ca : x509.getAcceptedIssuers()) store.setCertificateEntry("system-" + n++, ca);
            }
            for (int i = 0; i < extra.size(); i++) store.setCertificateEntry("outbound-ca-file-" + i, extra.get(i));
            return store;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build the outbound trust store: " + e.getMessage(), e);
        }
    }
}
