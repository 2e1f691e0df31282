package dev.wharf.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of key file loads; every broken pair fails with a message naming the file and the fault. */
class PemCredentialsTest {
    static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void rsaPkcs1EcSec1AndPkcs8KeysLoadWithTheirChains() throws Exception {
        KeyPair caKeys = ec();
        X509Certificate ca = cert("CN=ca", caKeys, caKeys, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(90)));
        KeyPair rsa = rsa();
        X509Certificate rsaLeaf = cert("CN=rsa", rsa, caKeys, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(9)));
        PemCredentials one = load(pem(rsaLeaf, ca), pem(rsa.getPrivate())); // JcaPEMWriter: RSA PRIVATE KEY
        assertThat(one.chain()).hasSize(2);
        assertThat(one.keyStore().getCertificateChain(PemCredentials.ALIAS)).hasSize(2);
        assertThat(Files.readString(dir.resolve("key.pem"))).contains("BEGIN RSA PRIVATE KEY");

        KeyPair ec = ec();
        X509Certificate ecLeaf = cert("CN=ec", ec, caKeys, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(9)));
        load(pem(ecLeaf), sec1(ec));
        assertThat(Files.readString(dir.resolve("key.pem"))).contains("BEGIN EC PRIVATE KEY");
        load(pem(ecLeaf), pem(new JcaPKCS8Generator(ec.getPrivate(), null)));
        assertThat(Files.readString(dir.resolve("key.pem"))).contains("BEGIN PRIVATE KEY");
        assertThat(load(pem(rsaLeaf), pem(new JcaPKCS8Generator(rsa.getPrivate(), null))).describe()).contains("CN=rsa");
    }

    @Test
    void brokenPairsNameTheFileAndTheFault() throws Exception {
        KeyPair keys = ec();
        KeyPair other = ec();
        X509Certificate valid = cert("CN=ok", keys, keys, NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(9)));
        X509Certificate expired = cert("CN=old", keys, keys, NOW.minus(Duration.ofDays(9)), NOW.minus(Duration.ofDays(1)));
        X509Certificate future = cert("CN=new", keys, keys, NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(9)));
        String key = sec1(keys);

        assertThatThrownBy(() -> load(pem(valid), sec1(other))).isInstanceOf(TlsException.class)
                .hasMessageContaining("key-file " + dir.resolve("key.pem")).hasMessageContaining("does not belong")
                .hasMessageContaining("cert-file " + dir.resolve("cert.pem"));
        KeyPair rsa = rsa();
        assertThatThrownBy(() -> load(pem(valid), pem(rsa.getPrivate()))).hasMessageContaining("does not belong");
        assertThatThrownBy(() -> load(pem(expired), key)).hasMessageContaining("cert-file")
                .hasMessageContaining("expired on " + expired.getNotAfter().toInstant());
        assertThatThrownBy(() -> load(pem(future), key)).hasMessageContaining("not valid before");
        assertThatThrownBy(() -> load(key, key)).hasMessageContaining("holds a private key, not a certificate");
        assertThatThrownBy(() -> load(pem(valid), pem(valid))).hasMessageContaining("holds a certificate, not a private key");
        assertThatThrownBy(() -> load("hello", key)).hasMessageContaining("holds no PEM certificate");
        assertThatThrownBy(() -> load(pem(valid), "hello")).hasMessageContaining("holds no PEM private key");
        String encrypted = pem(new JcaPKCS8Generator(keys.getPrivate(),
                new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.AES_256_CBC)
                        .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider()).setPassword("pw".toCharArray()).build()));
        assertThatThrownBy(() -> load(pem(valid), encrypted)).hasMessageContaining("encrypted");
        Path missing = dir.resolve("missing.pem");
        assertThatThrownBy(() -> PemCredentials.load(missing, dir.resolve("key.pem"), "cert-file " + missing, "key", NOW))
                .hasMessage("cert-file " + missing + " does not exist");
        assertThatThrownBy(() -> PemCredentials.load(dir, dir, "cert-file " + dir, "key", NOW))
                .hasMessageContaining("is a directory");
    }

    private PemCredentials load(String cert, String key) throws Exception {
        Path certFile = Files.writeString(dir.resolve("cert.pem"), cert);
        Path keyFile = Files.writeString(dir.resolve("key.pem"), key);
        return PemCredentials.load(certFile, keyFile, "cert-file " + certFile, "key-file " + keyFile, NOW);
    }

    static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    static X509Certificate cert(String subject, KeyPair subjectKeys, KeyPair issuerKeys, Instant from, Instant to)
            throws Exception {
        String algorithm = issuerKeys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(new X500Name("CN=ca"),
                BigInteger.valueOf(System.nanoTime()), Date.from(from), Date.from(to), new X500Name(subject),
                subjectKeys.getPublic()).build(new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate())));
    }

    /** An EC key as openssl writes it: SEC1 with the curve named inside (BC's writer leaves it out). */
    static String sec1(KeyPair pair) throws Exception {
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo info =
                org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded());
        org.bouncycastle.asn1.sec.ECPrivateKey inner =
                org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
        byte[] der = new org.bouncycastle.asn1.sec.ECPrivateKey(256, inner.getKey(),
                (org.bouncycastle.asn1.ASN1Encodable) info.getPrivateKeyAlgorithm().getParameters()).getEncoded();
        return pem(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", der));
    }

    static String pem(Object... objects) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (Object o : objects) writer.writeObject(o);
        }
        return out.toString();
    }
}
