package dev.wharf.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Arrays;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HostHeaderCustomizer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTPS listener: Jetty's TLS with ALPN offering HTTP/2 ({@code h2}) and HTTP/1.1, serving a certificate and
 * key read from PEM files. {@link #reloadIfChanged} re-reads the files when their bytes changed (a certbot
 * renewal, a copied-in certificate) and swaps a valid new pair in with {@link SslContextFactory#reload}: new
 * connections get it, open ones keep theirs, nothing restarts. A new pair that does not load (half written,
 * mismatched, expired) is logged and the served one kept; the files are tried again when they change again.
 */
public final class HttpsConnector {
    private static final Logger log = LoggerFactory.getLogger(HttpsConnector.class);

    private final Path certFile;
    private final Path keyFile;
    private final String certName;
    private final String keyName;
    private final Clock clock;
    private final SslContextFactory.Server ssl = new SslContextFactory.Server();
    private volatile PemCredentials served;
    /** Hash of the files' bytes when last tried, loaded or not. */
    private byte[] lastSeen;

    private HttpsConnector(Path certFile, Path keyFile, String certName, String keyName, Clock clock) {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.certName = certName;
        this.keyName = keyName;
        this.clock = clock;
    }

    /**
     * Reads and checks the pair now, so a bad one fails the start with a message naming the file.
     *
     * @param certName the certificate file as messages call it, e.g. "tls.cert_file /etc/wharf/cert.pem"
     */
    public static HttpsConnector open(Path certFile, Path keyFile, String certName, String keyName, Clock clock) {
        HttpsConnector https = new HttpsConnector(certFile, keyFile, certName, keyName, clock);
        https.lastSeen = https.fingerprint();
        https.served = PemCredentials.load(certFile, keyFile, certName, keyName, clock.instant());
        https.ssl.setKeyStore(https.served.keyStore());
        https.ssl.setKeyStorePassword(new String(https.served.password()));
        https.ssl.setCertAlias(PemCredentials.ALIAS);
        // Prefer ciphers HTTP/2 allows, so h2 is not refused over a cipher that HTTP/1.1 would have accepted.
        https.ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        https.ssl.setSniRequired(false);
        return https;
    }

    /** The certificate served now. */
    public PemCredentials served() {
        return served;
    }

    /** A connector on host:port (port 0: any free one) speaking TLS, then h2 or http/1.1 as the client offers. */
    public ServerConnector connector(Server server, HttpConfiguration base, String host, int port) {
        HttpConfiguration https = new HttpConfiguration(base);
        // isSecure() and the https scheme for the token realm; no Host-vs-certificate check, which would turn a
        // request for an IP address the certificate does not list into a 400 instead of the client's own error.
        SecureRequestCustomizer secure = new SecureRequestCustomizer(false);
        https.addCustomizer(secure);
        // HTTP/2 requests carry the host in :authority, not a Host header; everything that builds URLs from Host
        // (the token realm, paging links) gets one made from it.
        https.addCustomizer(new HostHeaderCustomizer());
        HttpConnectionFactory http1 = new HttpConnectionFactory(https);
        HTTP2ServerConnectionFactory http2 = new HTTP2ServerConnectionFactory(https);
        ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
        alpn.setDefaultProtocol(http1.getProtocol()); // clients without ALPN get HTTP/1.1
        SslConnectionFactory tls = new SslConnectionFactory(ssl, alpn.getProtocol());
        ServerConnector connector = new ServerConnector(server, tls, alpn, http2, http1);
        connector.setName("https");
        connector.setHost(host);
        connector.setPort(port);
        return connector;
    }

    /** Checks the files; returns true when a new pair is now served. Never throws. */
    public synchronized boolean reloadIfChanged() {
        byte[] now = fingerprint();
        if (now == null || Arrays.equals(now, lastSeen)) return false;
        lastSeen = now;
        PemCredentials fresh;
        try {
            fresh = PemCredentials.load(certFile, keyFile, certName, keyName, clock.instant());
        } catch (TlsException e) {
            log.warn("TLS files changed but cannot be served, still serving {}: {}", served.describe(),
                    e.getMessage());
            return false;
        }
        try {
            ssl.reload(f -> {
                f.setKeyStore(fresh.keyStore());
                f.setKeyStorePassword(new String(fresh.password()));
            });
        } catch (Exception e) {
            log.warn("TLS reload failed, still serving {}: {}", served.describe(), e.toString());
            return false;
        }
        served = fresh;
        log.info("TLS certificate reloaded from {}: {}", certFile, fresh.describe());
        return true;
    }

    /** SHA-256 over both files; null while either cannot be read (a renewal in progress is retried later). */
    private byte[] fingerprint() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Files.readAllBytes(certFile));
            sha.update((byte) 0);
            sha.update(Files.readAllBytes(keyFile));
            return sha.digest();
        } catch (IOException e) {
            return null;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
