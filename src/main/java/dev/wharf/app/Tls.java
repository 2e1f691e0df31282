package dev.wharf.app;

import dev.wharf.config.TlsConfig;
import dev.wharf.config.WharfConfig;
import dev.wharf.tls.HttpsConnector;
import dev.wharf.tls.SelfSignedCa;
import dev.wharf.tls.TlsException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the HTTPS certificate comes from: the operator's files ({@code tls.cert_file}, {@code tls.key_file}) or
 * Wharf's own small CA in {@code <data_dir>/tls} ({@code tls.self_signed}); and the plain health-check port.
 */
final class Tls {
    private static final Logger log = LoggerFactory.getLogger(Tls.class);
    /** All the plain port of tls.http_addr answers. */
    static final List<String> HEALTH_PATHS = List.of("/healthz", "/readyz", "/metrics");

    private final HttpsConnector https;
    private final SelfSignedCa.Issued selfSigned;

    private Tls(HttpsConnector https, SelfSignedCa.Issued selfSigned) {
        this.https = https;
        this.selfSigned = selfSigned;
    }

    /** Null when addr is plain HTTP; else the checked certificate, or a StartupException naming the bad file. */
    static Tls open(WharfConfig config, Clock clock) {
        TlsConfig tls = config.tls();
        if (!tls.enabled()) return null;
        try {
            if (tls.selfSigned()) {
                Path dir = config.dataDir().resolve("tls");
                List<String> hosts = tls.hosts().isEmpty() ? SelfSignedCa.defaultHosts() : tls.hosts();
                SelfSignedCa.Issued issued = SelfSignedCa.ensure(dir, hosts, clock.instant());
                if (issued.caCreated()) log.info("made a CA for the self-signed certificate: {}", issued.ca());
                if (issued.certificateIssued()) log.info("issued a server certificate for {}", String.join(", ", hosts));
                HttpsConnector https = HttpsConnector.open(issued.certificate(), issued.key(),
                        "self-signed certificate " + issued.certificate(), "its key " + issued.key(), clock);
                return new Tls(https, issued);
            }
            HttpsConnector https = HttpsConnector.open(tls.certFile(), tls.keyFile(), "tls.cert_file " + tls.certFile(),
                    "tls.key_file " + tls.keyFile(), clock);
            log.info("TLS certificate {} from {}", https.served().describe(), tls.certFile());
            return new Tls(https, null);
        } catch (TlsException e) {
            throw new StartupException("TLS: " + e.getMessage(), e);
        }
    }

    HttpsConnector https() {
        return https;
    }

    static ServerConnector healthConnector(Server server, HttpConfiguration http, String host, int port) {
        ServerConnector plain = new ServerConnector(server, new HttpConnectionFactory(new HttpConfiguration(http)));
        plain.setName("health");
        plain.setHost(host);
        plain.setPort(port);
        return plain;
    }

    /**
     * For a self-signed setup: the CA file and, per name, exactly where docker, podman, skopeo and curl on a
     * client machine want it. Null when the operator brought the certificate (clients trust its CA already).
     */
    String clientInstructions(int port) {
        if (selfSigned == null) return null;
        StringBuilder text = new StringBuilder();
        text.append("TLS: self-signed setup. Clients must trust the CA certificate ").append(selfSigned.ca())
                .append("\n(the server certificate ").append(selfSigned.certificate()).append(" covers ")
                .append(String.join(", ", selfSigned.hosts())).append(").\n")
                .append("Copy ca.crt to each client machine, then for the name it uses (HOST:PORT below):\n");
        for (String host : selfSigned.hosts()) {
            String hostPort = (host.contains(":") ? "[" + host + "]" : host) + (port == 443 ? "" : ":" + port);
            text.append("\n  ").append(hostPort).append('\n')
                    .append("    docker:  sudo mkdir -p /etc/docker/certs.d/").append(hostPort)
                    .append(" && sudo cp ca.crt /etc/docker/certs.d/").append(hostPort).append("/ca.crt\n")
                    .append("    podman:  sudo mkdir -p /etc/containers/certs.d/").append(hostPort)
                    .append(" && sudo cp ca.crt /etc/containers/certs.d/").append(hostPort).append("/ca.crt\n")
                    .append("             or per command: podman login --cert-dir DIR ").append(hostPort)
                    .append("   (DIR holds ca.crt)\n")
                    .append("    skopeo:  skopeo copy --dest-cert-dir DIR ... docker://").append(hostPort)
                    .append("/IMAGE   (--src-cert-dir DIR to pull)\n")
                    .append("    curl:    curl --cacert ca.crt https://").append(hostPort).append("/v2/\n");
        }
        return text.toString();
    }
}
