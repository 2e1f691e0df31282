package dev.wharf.config;

import dev.wharf.model.Cidr;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Where Wharf may connect for imports, build contexts, git and other outbound requests: address blocks refused
 * ({@code outbound.deny}) and exceptions to them ({@code outbound.allow}). Applied by
 * {@code upstream.OutboundPolicy} on the address each connection actually uses. {@code trustedCas}: certificates
 * of {@code outbound.ca_file}, trusted for outbound HTTPS besides the JDK's own (empty: the JDK's only).
 */
public record OutboundConfig(List<String> allow, List<String> deny, List<X509Certificate> trustedCas) {
    public OutboundConfig {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        trustedCas = List.copyOf(trustedCas);
    }

    public OutboundConfig(List<String> allow, List<String> deny) {
        this(allow, deny, List.of());
    }

    static OutboundConfig from(ConfigValues c) {
        return new OutboundConfig(blocks(c, ConfigKey.OUTBOUND_ALLOW), blocks(c, ConfigKey.OUTBOUND_DENY),
                trustedCas(c));
    }

    private static List<String> blocks(ConfigValues c, ConfigKey key) {
        List<String> items = c.list(key);
        for (String item : items) {
            try {
                Cidr.parse(item);
            } catch (IllegalArgumentException e) {
                throw c.bad(key, c.raw(key), e.getMessage());
            }
        }
        return items;
    }

    /** The CA certificates of outbound.ca_file, read at start: a file that holds none stops the start. */
    private static List<X509Certificate> trustedCas(ConfigValues c) {
        String file = c.string(ConfigKey.OUTBOUND_CA_FILE);
        if (file.isEmpty()) return List.of();
        List<X509Certificate> certificates;
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(X509Certificate.class::cast).toList();
        } catch (IOException e) {
            throw c.bad(ConfigKey.OUTBOUND_CA_FILE, file, "cannot read it (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")");
        } catch (CertificateException | RuntimeException e) {
            throw c.bad(ConfigKey.OUTBOUND_CA_FILE, file, "expected PEM certificates (-----BEGIN CERTIFICATE-----): "
                    + e.getMessage());
        }
        if (certificates.isEmpty()) {
            throw c.bad(ConfigKey.OUTBOUND_CA_FILE, file, "holds no certificate; expected PEM certificates"
                    + " (-----BEGIN CERTIFICATE-----)");
        }
        return certificates;
    }
}
