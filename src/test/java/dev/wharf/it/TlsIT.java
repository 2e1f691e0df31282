package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.TlsWharf;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged server with TLS, driven by real clients: curl (HTTP/2 and HTTP/1.1 over ALPN, the health-only plain
 * port), skopeo with {@code --cert-dir}, a raw TLS connection kept open across a certificate reload, and starts
 * refused for bad certificate files. The docker CLI over TLS is {@link DockerCliIT}.
 */
class TlsIT {

    @TempDir
    Path dir;

    @Test
    void selfSignedSetupServesHttp2AndHttp1AndTrustedSkopeo() throws Exception {
        Path data = dir.resolve("data");
        byte[] ca;
        try (TlsWharf wharf = TlsWharf.start(data, "--addr", "127.0.0.1:0", "--tls-self-signed",
                "--tls-hosts", "localhost,127.0.0.1", "--tls-http-addr", "127.0.0.1:0")) {
            int port = wharf.port();
            Path caFile = data.resolve("tls/ca.crt");
            ca = Files.readAllBytes(caFile);
            // What a client machine needs, printed at start.
            assertThat(wharf.outputOnceItContains("curl --cacert ca.crt https://127.0.0.1:" + port))
                    .contains(caFile.toString())
                    .contains("/etc/docker/certs.d/127.0.0.1:" + port + "/ca.crt")
                    .contains("podman login --cert-dir DIR 127.0.0.1:" + port)
                    .contains("skopeo copy --dest-cert-dir DIR")
                    .contains("made a CA");

            String https = "https://127.0.0.1:" + port;
            Result h2 = run("curl", "-sS", "--cacert", caFile.toString(), "--http2", "-o", "/dev/null", "-D", "-",
                    "-w", "version=%{http_version}", https + "/v2/");
            assertThat(h2.out()).contains("version=2").contains("HTTP/2 401");
            // The token realm follows the request: https.
            assertThat(h2.out()).containsIgnoringCase("www-authenticate: Bearer realm=\"" + https + "/token\"");
            Result h1 = run("curl", "-sS", "--cacert", caFile.toString(), "--http1.1", "-o", "/dev/null",
                    "-w", "version=%{http_version} status=%{http_code}", https + "/v2/");
            assertThat(h1.out()).isEqualTo("version=1.1 status=401");
            // Unverified, curl refuses: the certificate is our CA's, not a public one.
            assertThat(run("curl", "-sS", "-o", "/dev/null", https + "/v2/").exit()).isNotZero();
            // The TLS port does not speak plain HTTP.
            Result plain = run("curl", "-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://127.0.0.1:" + port + "/v2/");
            assertThat(plain.out()).isNotEqualTo("401").isNotEqualTo("200");
            // The plain port answers health checks and nothing else.
            assertThat(wharf.healthPort()).isPositive();
            String health = "http://127.0.0.1:" + wharf.healthPort();
            assertThat(run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", health + "/healthz").out())
                    .isEqualTo("200");
            assertThat(run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", health + "/readyz").out())
                    .isEqualTo("200");
            assertThat(run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", health + "/v2/").out())
                    .isEqualTo("404");
            assertThat(run("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", health + "/token").out())
                    .isEqualTo("404");

            // skopeo verifies against the CA given with --cert-dir, both ways.
            Path certDir = Files.createDirectories(dir.resolve("certs"));
            Files.copy(caFile, certDir.resolve("ca.crt"));
            Path layout = dir.resolve("layout");
            OciLayouts.Index index = OciLayouts.multiArch(layout, "multi", 42, 2048);
            String target = "docker://127.0.0.1:" + port + "/admin/tls-multi:1";
            String creds = TlsWharf.ADMIN.colonSeparated();
            Skopeo.Result push = Skopeo.tryRunWithoutStoredCredentials(Duration.ofMinutes(2), "copy", "--all",
                    "--preserve-digests", "--dest-cert-dir", certDir.toString(), "--dest-creds", creds,
                    Skopeo.oci(layout, "multi"), target);
            assertThat(push.ok()).as(push.stderr()).isTrue();
            Skopeo.Result inspect = Skopeo.tryRunWithoutStoredCredentials(Duration.ofMinutes(1), "inspect", "--raw",
                    "--cert-dir", certDir.toString(), "--creds", creds, target);
            assertThat(inspect.ok()).as(inspect.stderr()).isTrue();
            assertThat(OciLayouts.sha256(inspect.stdout())).isEqualTo(index.digest());
            Skopeo.Result untrusted = Skopeo.tryRunWithoutStoredCredentials(Duration.ofMinutes(1), "inspect", "--raw",
                    "--creds", creds, target);
            assertThat(untrusted.ok()).isFalse();
            assertThat(untrusted.stderr()).containsIgnoringCase("certificate");
        }
        // A second start reuses the CA: clients trust it once.
        try (TlsWharf again = TlsWharf.start(data, "--addr", "127.0.0.1:0", "--tls-self-signed",
                "--tls-hosts", "localhost,127.0.0.1")) {
            assertThat(Files.readAllBytes(data.resolve("tls/ca.crt"))).isEqualTo(ca);
            assertThat(again.output()).doesNotContain("made a CA");
        }
    }

    @Test
    void aRenewedCertificateIsServedWithoutRestartWhileOpenConnectionsCarryOn() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        // RSA with a PKCS#1 key first (openssl genrsa -traditional), then EC with a SEC1 key (openssl ecparam).
        openssl("genrsa", "-traditional", "-out", key.toString(), "2048");
        selfSignedCert(key, cert, "first");
        assertThat(Files.readString(key)).contains("BEGIN RSA PRIVATE KEY");
        try (TlsWharf wharf = TlsWharf.start(dir.resolve("data"), "--addr", "127.0.0.1:0", "--tls-cert-file",
                cert.toString(), "--tls-key-file", key.toString(), "--tls-reload-interval", "200ms")) {
            try (SSLSocket before = connect(wharf.port())) {
                assertThat(peerName(before)).isEqualTo("CN=first");
                assertThat(get(before, "/healthz")).startsWith("HTTP/1.1 200");

                Path newKey = dir.resolve("new-key.pem");
                Path newCert = dir.resolve("new-cert.pem");
                openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", newKey.toString());
                selfSignedCert(newKey, newCert, "second");
                assertThat(Files.readString(newKey)).contains("BEGIN EC PRIVATE KEY");
                // As certbot leaves them: both files replaced.
                Files.move(newKey, key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.move(newCert, cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                assertThat(awaitServed(wharf.port(), "CN=second")).isTrue();

                // The connection opened before the reload still works, on its own certificate.
                assertThat(get(before, "/healthz")).startsWith("HTTP/1.1 200");
                assertThat(peerName(before)).isEqualTo("CN=first");
            }
            try (SSLSocket after = connect(wharf.port())) {
                assertThat(peerName(after)).isEqualTo("CN=second");
                assertThat(get(after, "/readyz")).startsWith("HTTP/1.1 200");
            }
            // A broken pair (certificate rewritten, key of another certificate) is not served: the last good stays.
            Path strayKey = dir.resolve("stray.pem");
            openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", strayKey.toString());
            selfSignedCert(strayKey, dir.resolve("stray-cert.pem"), "third");
            Files.copy(dir.resolve("stray-cert.pem"), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThat(wharf.outputOnceItContains("cannot be served")).contains("TLS files changed but cannot be served")
                    .contains("does not belong");
            try (SSLSocket still = connect(wharf.port())) {
                assertThat(peerName(still)).isEqualTo("CN=second");
            }
        }
    }

    @Test
    void badCertificateFilesStopTheStartWithAMessageNamingTheFile() throws Exception {
        Path key = dir.resolve("key.pem");
        Path cert = dir.resolve("cert.pem");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString());
        selfSignedCert(key, cert, "ok");
        Path missing = dir.resolve("missing.pem");

        assertRefused("tls.cert_file " + missing + " does not exist", "--tls-cert-file", missing.toString(),
                "--tls-key-file", key.toString());
        assertRefused("tls.key_file " + dir + " is a directory", "--tls-cert-file", cert.toString(),
                "--tls-key-file", dir.toString());
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        assertRefused("tls.cert_file " + garbage + " holds no PEM certificate", "--tls-cert-file", garbage.toString(),
                "--tls-key-file", key.toString());
        Path otherKey = dir.resolve("other-key.pem");
        openssl("genpkey", "-algorithm", "RSA", "-out", otherKey.toString()); // PKCS#8
        assertRefused("tls.key_file " + otherKey + " does not belong to the certificate in tls.cert_file " + cert,
                "--tls-cert-file", cert.toString(), "--tls-key-file", otherKey.toString());
        Path expired = dir.resolve("expired.pem");
        Path expiredKey = dir.resolve("expired-key.pem");
        writeExpired(expired, expiredKey);
        assertRefused("tls.cert_file " + expired + ": the certificate for CN=expired expired on",
                "--tls-cert-file", expired.toString(), "--tls-key-file", expiredKey.toString());
    }

    private void assertRefused(String message, String... flags) {
        Map.Entry<Integer, String> run = TlsWharf.runToExit(dir.resolve("refused"), concat(
                new String[] {"--addr", "127.0.0.1:0"}, flags));
        assertThat(run.getKey()).as(run.getValue()).isEqualTo(1);
        assertThat(run.getValue()).contains("wharf: cannot start: TLS: " + message);
    }

    private static String[] concat(String[] a, String[] b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    /** A certificate for 127.0.0.1 and localhost signed by its own key, as openssl makes one. */
    private void selfSignedCert(Path key, Path cert, String cn) throws Exception {
        openssl("req", "-x509", "-new", "-key", key.toString(), "-out", cert.toString(), "-days", "2",
                "-subj", "/CN=" + cn, "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost");
    }

    /** Expired yesterday; openssl cannot date a certificate in the past, so Bouncy Castle signs it. */
    private static void writeExpired(Path cert, Path key) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair pair = g.generateKeyPair();
        Instant now = Instant.now();
        X509Certificate c = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                new X500Name("CN=expired"), BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minus(Duration.ofDays(30))),
                Date.from(now.minus(Duration.ofDays(1))), new X500Name("CN=expired"), pair.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
        Files.writeString(cert, pem(c));
        Files.writeString(key, pem(pair.getPrivate()));
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }

    private static boolean awaitServed(int port, String subject) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            try (SSLSocket s = connect(port)) {
                if (peerName(s).equals(subject)) return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    /**
     * A TLS connection that accepts whatever certificate the server shows: this test reads that certificate
     * (verification is what the curl, skopeo and docker tests prove).
     */
    private static SSLSocket connect(int port) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, new SecureRandom());
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    private static String peerName(SSLSocket socket) throws Exception {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    /** One keep-alive HTTP/1.1 GET on the open connection; returns the status line after reading the body. */
    private static String get(SSLSocket socket, String path) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
        String status = in.readLine();
        int length = 0;
        String line;
        while ((line = in.readLine()) != null && !line.isEmpty()) {
            if (line.toLowerCase().startsWith("content-length:")) length = Integer.parseInt(line.substring(15).trim());
        }
        for (int i = 0; i < length; i++) in.read();
        return status;
    }

    private static void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Result r = run(command.toArray(String[]::new));
        assertThat(r.exit()).as(r.out()).isZero();
    }

    record Result(int exit, String out) {}

    static Result run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        return new Result(p.exitValue(), p.exitValue() == 0 ? text : text + new String(err, StandardCharsets.UTF_8));
    }
}
