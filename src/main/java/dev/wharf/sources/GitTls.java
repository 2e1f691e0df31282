package dev.wharf.sources;

import dev.wharf.upstream.TrustedCas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * outbound.ca_file for Git clones over HTTPS: git (through curl) reads its CAs from one bundle file, which replaces
 * the system's rather than adding to it, so the bundle written here holds the JDK's CAs as well as the operator's
 * (a public Git host stays trusted), and git is pointed at it with {@code GIT_SSL_CAINFO}. (Not with the
 * {@code http.sslCAInfo} setting: Debian's git 2.39, on curl with GnuTLS, ignored it when given on the command
 * line or in {@code GIT_CONFIG_*}, and kept the system's bundle; GitTlsTest shows the variable working.)
 */
final class GitTls {
    private GitTls() {}

    /**
     * The environment of git for {@code trustedCas}: nothing without any, else {@code GIT_SSL_CAINFO} naming a bundle
     * written into {@code work} (the job's private directory).
     */
    static Map<String, String> environment(List<X509Certificate> trustedCas, Path work) throws IOException {
        if (trustedCas.isEmpty()) return Map.of();
        StringBuilder pem = new StringBuilder();
        Base64.Encoder base64 = Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        for (X509Certificate ca : TrustedCas.systemAnd(trustedCas)) {
            try {
                pem.append("-----BEGIN CERTIFICATE-----\n").append(base64.encodeToString(ca.getEncoded()))
                        .append("\n-----END CERTIFICATE-----\n");
            } catch (CertificateEncodingException e) {
                throw new IOException("cannot encode a CA certificate: " + e.getMessage(), e);
            }
        }
        Path bundle = Files.writeString(work.resolve("ca-bundle.pem"), pem);
        return Map.of("GIT_SSL_CAINFO", bundle.toString());
    }
}
