package dev.wharf.storage.blob;

import dev.wharf.testing.ChildJvm;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 endpoint for tests: S3Proxy (jclouds filesystem backend) in a child JVM on a free loopback port.
 * A child process rather than in-process because S3Proxy brings Jetty 11 and jclouds, which clash with our
 * Jetty 12; Maven copies its self-contained jar to the path in the {@code s3proxy.jar} system property.
 */
public final class S3Proxy implements AutoCloseable {
    public static final String ACCESS_KEY = "wharf-test";
    public static final String SECRET_KEY = "wharf-test-secret";
    public static final String REGION = "us-east-1";

    private final Process process;
    private final String endpoint;
    private final Path log;

    private S3Proxy(Process process, String endpoint, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.log = log;
    }

    /** Starts S3Proxy storing under {@code dir} and creates {@code bucket}; waits until it answers. */
    public static S3Proxy start(Path dir, String bucket) throws Exception {
        String jar = System.getProperty("s3proxy.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("S3Proxy jar not found (system property s3proxy.jar = " + jar
                    + "); run the tests through Maven, which copies it to target/s3proxy/");
        }
        int port = freePort();
        String endpoint = "http://127.0.0.1:" + port;
        Path data = Files.createDirectories(dir.resolve("s3proxy-data"));
        Path properties = dir.resolve("s3proxy.properties");
        Files.writeString(properties, String.join("\n",
                "s3proxy.endpoint=" + endpoint,
                "s3proxy.authorization=aws-v2-or-v4",
                "s3proxy.identity=" + ACCESS_KEY,
                "s3proxy.credential=" + SECRET_KEY,
                "jclouds.provider=filesystem",
                "jclouds.filesystem.basedir=" + data,
                "jclouds.identity=" + ACCESS_KEY,
                "jclouds.credential=" + SECRET_KEY, ""));
        Path log = dir.resolve("s3proxy.log");
        List<String> command = ChildJvm.command();
        command.addAll(List.of("-Xmx512m", "-jar", jar, "--properties", properties.toString()));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        S3Proxy proxy = new S3Proxy(process, endpoint, log);
        try {
            proxy.awaitListening(port, Duration.ofSeconds(60));
            try (S3Client admin = proxy.client()) {
                admin.createBucket(b -> b.bucket(bucket));
            }
            return proxy;
        } catch (Exception e) {
            proxy.close();
            throw e;
        }
    }

    public String endpoint() {
        return endpoint;
    }

    /** The WHARF_STORAGE_* settings of a Wharf node keeping its blobs in {@code bucket} here. */
    public java.util.Map<String, String> wharfEnv(String bucket) {
        return java.util.Map.of("WHARF_STORAGE_DRIVER", "s3", "WHARF_STORAGE_S3_ENDPOINT", endpoint,
                "WHARF_STORAGE_S3_BUCKET", bucket, "WHARF_STORAGE_S3_REGION", REGION,
                "WHARF_STORAGE_S3_PATH_STYLE", "true", "WHARF_STORAGE_S3_ACCESS_KEY", ACCESS_KEY,
                "WHARF_STORAGE_S3_SECRET_KEY", SECRET_KEY);
    }

    /** A plain SDK client on the proxy, for looking at the bucket directly. */
    public S3Client client() {
        return S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .forcePathStyle(true)
                // S3Proxy rejects the SDK's default CRC checksum headers, as the store's own client knows.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED).build();
    }

    public S3BlobStore.Settings settings(String bucket, String prefix) {
        return new S3BlobStore.Settings(endpoint, REGION, bucket, prefix, true, ACCESS_KEY, SECRET_KEY);
    }

    private void awaitListening(int port, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IllegalStateException("S3Proxy exited:\n" + Files.readString(log));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("S3Proxy did not listen within " + timeout + ":\n" + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Stops this process only (by its handle, i.e. its PID): TERM first, KILL if it lingers. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
