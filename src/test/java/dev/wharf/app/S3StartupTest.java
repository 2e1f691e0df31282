package dev.wharf.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.config.ConfigLoader;
import dev.wharf.config.WharfConfig;
import dev.wharf.storage.blob.S3Proxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** storage.driver=s3 wires the S3 store, and the start-up probe turns bad S3 settings into a clear refusal. */
class S3StartupTest {
    private static final String BUCKET = "wharf-start";

    @TempDir
    static Path shared;
    private static S3Proxy proxy;

    @TempDir
    Path data;

    @BeforeAll
    static void startS3() throws Exception {
        proxy = S3Proxy.start(shared, BUCKET);
    }

    @AfterAll
    static void stopS3() throws Exception {
        if (proxy != null) proxy.close();
    }

    @Test
    void wrongCredentialsStopTheStartNamingBucketAndEndpoint() throws IOException {
        WharfConfig config = config("not-the-secret");

        assertThatThrownBy(() -> WharfServer.start(config))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("blob storage is unusable")
                .hasMessageContaining("bucket '" + BUCKET + "'")
                .hasMessageContaining(proxy.endpoint())
                .message().doesNotContain("not-the-secret");
    }

    @Test
    void rightCredentialsStartANodeOnTheBucket() throws Exception {
        WharfServer server = WharfServer.start(config(S3Proxy.SECRET_KEY));
        try {
            assertThat(server.port()).isPositive();
            assertThat(BlobStores.forSingleWriter(config(S3Proxy.SECRET_KEY)).kind()).isEqualTo("s3");
        } finally {
            server.stop();
        }
    }

    private WharfConfig config(String secret) throws IOException {
        String file = Files.writeString(data.resolve("wharf.yaml"), "").toString();
        return ConfigLoader.load(List.of("--config", file, "--addr", "127.0.0.1:0", "--data-dir", data.toString(),
                "--storage-driver", "s3", "--storage-s3-endpoint", proxy.endpoint(), "--storage-s3-bucket", BUCKET,
                "--storage-s3-path-style", "true", "--storage-s3-access-key", S3Proxy.ACCESS_KEY,
                "--storage-s3-secret-key", secret, "--admin-password", "correct-horse-battery", "--log-access", "false"),
                Map.of());
    }
}
