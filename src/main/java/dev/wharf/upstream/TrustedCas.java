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
public final class TrustedCas {
    private TrustedCas() {}

    static KeyStore withSystemCas(List<X509Certificate> extra) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            List<X509Certificate> all = systemAnd(extra);
            for (int i = 0; i < all.size(); i++) store.setCertificateEntry("ca-" + i, all.get(i));
            return store;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build the outbound trust store: " + e.getMessage(), e);
        }
    }

    /** The JDK's CAs, then {@code extra}. */
    public static List<X509Certificate> systemAnd(List<X509Certificate> extra) {
        try {
            TrustManagerFactory system = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            system.init((KeyStore) null);
            List<X509Certificate> all = new java.util.ArrayList<>();
            for (TrustManager manager : system.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) all.addAll(List.of(x509.getAcceptedIssuers()));
            }
            all.addAll(extra);
            return all;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the JDK's CAs: " + e.getMessage(), e);
        }
    }
}
