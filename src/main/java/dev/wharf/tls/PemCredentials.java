package dev.wharf.tls;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * A certificate chain and its private key read from PEM files, checked the way a client would find out too late:
 * the files exist and parse, the first certificate is valid now, and the key belongs to it (a test signature made
 * with the key verifies with the certificate's public key, for RSA, EC and Ed25519 alike). Every failure names
 * the file. Keys may be PKCS#1 ({@code RSA PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}) or PKCS#8
 * ({@code PRIVATE KEY}), unencrypted; the chain is the server certificate followed by its intermediates.
 *
 * @param keyStore an in-memory PKCS#12 store with the pair under {@link #ALIAS}, protected by {@code password}
 */
public record PemCredentials(List<X509Certificate> chain, PrivateKey key, KeyStore keyStore, char[] password) {
    public static final String ALIAS = "wharf";

    /** The server certificate (the chain's first). */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** "CN=… (expires …)" for log lines. */
    public String describe() {
        X509Certificate c = certificate();
        return c.getSubjectX500Principal().getName() + " (expires " + c.getNotAfter().toInstant() + ")";
    }

    /**
     * @param certName how the certificate file is called in messages, e.g. "tls.cert_file /etc/wharf/fullchain.pem"
     */
    public static PemCredentials load(Path certFile, Path keyFile, String certName, String keyName, Instant now) {
        List<X509Certificate> chain = readChain(certFile, certName);
        PrivateKey key = readKey(keyFile, keyName);
        X509Certificate leaf = chain.get(0);
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw new TlsException(certName + ": the certificate for " + leaf.getSubjectX500Principal().getName()
                    + " expired on " + leaf.getNotAfter().toInstant());
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw new TlsException(certName + ": the certificate for " + leaf.getSubjectX500Principal().getName()
                    + " is not valid before " + leaf.getNotBefore().toInstant() + " (is the clock right?)");
        }
        if (!belongsTo(key, leaf.getPublicKey())) {
            throw new TlsException(keyName + " does not belong to the certificate in " + certName + " ("
                    + leaf.getSubjectX500Principal().getName() + "): the pair is mismatched");
        }
        char[] password = randomPassword();
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(ALIAS, key, password, chain.toArray(X509Certificate[]::new));
            return new PemCredentials(List.copyOf(chain), key, store, password);
        } catch (GeneralSecurityException | IOException e) {
            throw new TlsException(certName + " and " + keyName + " cannot be used together: " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> readChain(Path file, String name) {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (PEMParser parser = new PEMParser(new StringReader(read(file, name)))) {
            Object item;
            while ((item = parser.readObject()) != null) {
                if (item instanceof X509CertificateHolder holder) {
                    chain.add(converter.getCertificate(holder));
                } else if (chain.isEmpty() && isKey(item)) {
                    throw new TlsException(name + " holds a private key, not a certificate (swapped with the key file?)");
                }
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            if (e instanceof TlsException t) throw t;
            throw new TlsException(name + " is not a valid PEM certificate file: " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new TlsException(name + " holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
        }
        return chain;
    }

    private static PrivateKey readKey(Path file, String name) {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        boolean sawCertificate = false;
        try (PEMParser parser = new PEMParser(new StringReader(read(file, name)))) {
            Object item;
            while ((item = parser.readObject()) != null) {
                switch (item) {
                    case PEMKeyPair pair -> {
                        return converter.getPrivateKey(pair.getPrivateKeyInfo());
                    }
                    case PrivateKeyInfo info -> {
                        return converter.getPrivateKey(info);
                    }
                    case PEMEncryptedKeyPair encrypted -> throw encrypted(name);
                    case PKCS8EncryptedPrivateKeyInfo encrypted -> throw encrypted(name);
                    case X509CertificateHolder certificate -> sawCertificate = true;
                    default -> { } // e.g. EC PARAMETERS before an EC key
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof TlsException t) throw t;
            throw new TlsException(name + " is not a valid PEM private key file: " + e.getMessage(), e);
        }
        throw new TlsException(name + (sawCertificate
                ? " holds a certificate, not a private key (swapped with the certificate file?)"
                : " holds no PEM private key (expected -----BEGIN PRIVATE KEY----- or RSA/EC PRIVATE KEY)"));
    }

    private static TlsException encrypted(String name) {
        return new TlsException(name + " is encrypted with a passphrase; Wharf needs the key unencrypted"
                + " (openssl pkey -in KEY -out KEY.plain), readable only by Wharf's user");
    }

    private static boolean isKey(Object item) {
        return item instanceof PEMKeyPair || item instanceof PrivateKeyInfo || item instanceof PEMEncryptedKeyPair
                || item instanceof PKCS8EncryptedPrivateKeyInfo;
    }

    private static String read(Path file, String name) {
        if (Files.isDirectory(file)) throw new TlsException(name + " is a directory, not a file");
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1); // PEM is ASCII; never fail on stray bytes
        } catch (NoSuchFileException e) {
            throw new TlsException(name + " does not exist");
        } catch (IOException e) {
            throw new TlsException(name + " cannot be read: " + e, e);
        }
    }

    /** Whether a signature made with {@code key} verifies with {@code certificateKey}. */
    static boolean belongsTo(PrivateKey key, PublicKey certificateKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> throw new TlsException("unsupported private key algorithm " + key.getAlgorithm());
        };
        if (!sameFamily(key.getAlgorithm(), certificateKey.getAlgorithm())) return false;
        byte[] probe = new byte[32];
        new SecureRandom().nextBytes(probe);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificateKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an EC key on another curve than the certificate's
        }
    }

    private static boolean sameFamily(String keyAlgorithm, String certificateAlgorithm) {
        return keyAlgorithm.equals(certificateAlgorithm)
                || (keyAlgorithm.startsWith("Ed") || keyAlgorithm.equals("EdDSA"))
                        && (certificateAlgorithm.startsWith("Ed") || certificateAlgorithm.equals("EdDSA"));
    }

    private static char[] randomPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes).toCharArray();
    }
}
