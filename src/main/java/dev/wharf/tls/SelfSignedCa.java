package dev.wharf.tls;

import dev.wharf.storage.PrivateFiles;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The certificate of {@code serve --tls-self-signed}: a small CA made once in a directory ({@code ca.crt},
 * {@code ca.key}) and a server certificate it signs for the given names and IP addresses ({@code server.crt},
 * {@code server.key}). Clients trust {@code ca.crt} once; the server certificate is issued again by the same CA
 * when the names change or it nears its end, so they need not trust anything new. EC P-256 keys, files of keys
 * mode 0600. The CA may sign server certificates only (path length 0, no other key usage).
 */
public final class SelfSignedCa {
    static final Duration CA_LIFETIME = Duration.ofDays(3650);
    /** The longest lifetime Apple's clients accept for a server certificate; others do not mind. */
    static final Duration SERVER_LIFETIME = Duration.ofDays(825);
    /** A server certificate closer than this to its end is replaced at start. */
    static final Duration RENEW_BEFORE = Duration.ofDays(30);

    /** The files and what this start did. */
    public record Issued(Path ca, Path certificate, Path key, List<String> hosts, boolean caCreated,
            boolean certificateIssued) {}

    private SelfSignedCa() {}

    /** localhost, 127.0.0.1, ::1 and this machine's host name. */
    public static List<String> defaultHosts() {
        Set<String> hosts = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        try {
            String name = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
            if (!name.isBlank() && name.matches("[a-z0-9.-]+")) hosts.add(name);
        } catch (IOException e) {
            // No resolvable host name: the loopback names still work.
        }
        return List.copyOf(hosts);
    }

    /** Makes the CA if the directory has none, and a server certificate for {@code hosts} unless a fitting one is there. */
    public static Issued ensure(Path dir, List<String> hosts, Instant now) {
        Path caFile = dir.resolve("ca.crt");
        Path caKeyFile = dir.resolve("ca.key");
        Path certFile = dir.resolve("server.crt");
        Path keyFile = dir.resolve("server.key");
        try {
            Files.createDirectories(dir);
            boolean caCreated = false;
            if (!Files.exists(caFile) && !Files.exists(caKeyFile)) {
                KeyPair pair = newKeyPair();
                X509Certificate ca = caCertificate(pair, now);
                writeKey(caKeyFile, pair.getPrivate());
                writeCertificate(caFile, ca);
                caCreated = true;
            }
            PemCredentials ca = PemCredentials.load(caFile, caKeyFile, caFile.toString(), caKeyFile.toString(), now);
            if (caCreated || !fits(certFile, keyFile, ca.certificate(), hosts, now)) {
                KeyPair pair = newKeyPair();
                X509Certificate server = serverCertificate(pair.getPublic(), ca, hosts, now);
                writeKey(keyFile, pair.getPrivate());
                writeCertificate(certFile, server);
                return new Issued(caFile, certFile, keyFile, hosts, caCreated, true);
            }
            return new Issued(caFile, certFile, keyFile, hosts, false, false);
        } catch (IOException e) {
            throw new TlsException("cannot write the self-signed certificate files in " + dir + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new TlsException("cannot make a self-signed certificate: " + e.getMessage(), e);
        }
    }

    /** Whether the stored server certificate is ours, valid for a while yet, and covers every requested host. */
    private static boolean fits(Path certFile, Path keyFile, X509Certificate ca, List<String> hosts, Instant now) {
        if (!Files.exists(certFile) || !Files.exists(keyFile)) return false;
        try {
            PemCredentials server = PemCredentials.load(certFile, keyFile, certFile.toString(), keyFile.toString(), now);
            X509Certificate cert = server.certificate();
            cert.verify(ca.getPublicKey());
            if (cert.getNotAfter().toInstant().isBefore(now.plus(RENEW_BEFORE))) return false;
            return subjectNames(cert).containsAll(normalized(hosts));
        } catch (TlsException | GeneralSecurityException e) {
            return false;
        }
    }

    static Set<String> subjectNames(X509Certificate cert) throws CertificateParsingException {
        Set<String> names = new HashSet<>();
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        if (sans == null) return names;
        for (List<?> san : sans) names.add(normalize(String.valueOf(san.get(1))));
        return names;
    }

    private static Set<String> normalized(List<String> hosts) {
        Set<String> names = new HashSet<>();
        for (String host : hosts) names.add(normalize(host));
        return names;
    }

    /** IP addresses in one spelling (::1 and 0:0:0:0:0:0:0:1 are the same name). */
    private static String normalize(String host) {
        if (dev.wharf.config.TlsConfig.isIpLiteral(host)) {
            try {
                return InetAddress.getByName(host).getHostAddress();
            } catch (IOException e) {
                return host;
            }
        }
        return host.toLowerCase(Locale.ROOT);
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate caCertificate(KeyPair pair, Instant now)
            throws GeneralSecurityException, OperatorCreationException, CertIOException {
        X500Name name = new X500Name("CN=Wharf local CA " + Long.toHexString(new SecureRandom().nextLong() >>> 16)
                + ",O=Wharf");
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(CA_LIFETIME)), name, pair.getPublic());
        JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()));
        return sign(builder, pair.getPrivate());
    }

    private static X509Certificate serverCertificate(PublicKey key, PemCredentials ca, List<String> hosts,
            Instant now) throws GeneralSecurityException, OperatorCreationException, CertIOException {
        X509Certificate caCert = ca.certificate();
        Instant notAfter = now.plus(SERVER_LIFETIME);
        if (notAfter.isAfter(caCert.getNotAfter().toInstant())) notAfter = caCert.getNotAfter().toInstant();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCert, serial(),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(notAfter),
                new X500Name("CN=" + hosts.get(0).replaceAll("[,+=\"\\\\<>;]", "_")), key);
        JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
        List<GeneralName> names = new ArrayList<>();
        for (String host : hosts) {
            names.add(dev.wharf.config.TlsConfig.isIpLiteral(host) ? new GeneralName(GeneralName.iPAddress, host)
                    : new GeneralName(GeneralName.dNSName, host));
        }
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(names.toArray(GeneralName[]::new)));
        builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(key));
        builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(caCert));
        return sign(builder, ca.key());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws GeneralSecurityException, OperatorCreationException {
        return new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    private static BigInteger serial() {
        return new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
    }

    private static void writeCertificate(Path file, X509Certificate cert) throws IOException {
        write(file, pem(cert), false);
    }

    private static void writeKey(Path file, PrivateKey key) throws IOException {
        write(file, pem(new JcaPKCS8Generator(key, null)), true);
    }

    private static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Written beside, then renamed: a crash never leaves half a file, and a key is never readable by others. */
    private static void write(Path file, String text, boolean secret) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (secret) PrivateFiles.createFile(tmp);
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
