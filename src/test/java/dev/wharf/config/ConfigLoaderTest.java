package dev.wharf.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir Path dir;

    @Test
    void defaultsNeedNoConfiguration() {
        WharfConfig c = ConfigLoader.load(List.of("--config", write("")), Map.of());
        assertThat(c.http().host()).isEqualTo("0.0.0.0");
        assertThat(c.http().port()).isEqualTo(5000);
        assertThat(c.dataDir()).isEqualTo(Path.of("./data").toAbsolutePath().normalize());
        assertThat(c.db().url()).isEqualTo("jdbc:sqlite:" + c.dataDir().resolve("wharf.db"));
        assertThat(c.storage().root()).isEqualTo(c.dataDir().resolve("storage"));
        assertThat(c.storage().uploadsExpireAfter()).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void yamlThenEnvironmentThenFlags() {
        String file = write("addr: 127.0.0.1:6000\ndb:\n  pool_size: 4\nuploads:\n  expire_after: 15m\n");
        WharfConfig c = ConfigLoader.load(List.of("--config", file, "--db-pool-size=9"),
                Map.of("WHARF_ADDR", "127.0.0.1:7000", "WHARF_DB_POOL_SIZE", "5"));
        assertThat(c.http().port()).isEqualTo(7000);
        assertThat(c.db().poolSize()).isEqualTo(9);
        assertThat(c.storage().uploadsExpireAfter()).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void postgresUrlSwitchesBackend() {
        WharfConfig c = ConfigLoader.load(List.of("--config", write("")),
                Map.of("WHARF_DB_URL", "jdbc:postgresql://127.0.0.1:5432/test"));
        assertThat(c.db().isSqlite()).isFalse();
    }

    @Test
    void redisTimeoutDefaultsToASecondAndStaysWithinAMinute() {
        assertThat(ConfigLoader.load(List.of("--config", write("")), Map.of()).rateLimit().redisTimeout())
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(ConfigLoader.load(List.of("--config", write("redis:\n  timeout: 250ms\n")), Map.of()).rateLimit()
                .redisTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write("")),
                Map.of("WHARF_REDIS_TIMEOUT", "2m"))).hasMessageContaining("redis.timeout")
                .hasMessageContaining("at most 1m");
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write("")),
                Map.of("WHARF_REDIS_TIMEOUT", "0s"))).hasMessageContaining("redis.timeout");
    }

    @Test
    void durationsStopAtAHundredYears() {
        assertThat(ConfigLoader.load(List.of("--config", write("")), Map.of("WHARF_AUDIT_RETENTION", "36500d"))
                .audit().retention()).isEqualTo(Duration.ofDays(36_500));
        // 12 digits of days parse, but subtracted from now they reach past the oldest Instant.
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write("")),
                Map.of("WHARF_AUDIT_RETENTION", "999999999999d"))).hasMessageContaining("audit.retention")
                .hasMessageContaining("at most 36500d");
    }

    @Test
    void unknownKeysAndBadValuesNameTheKey() {
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write("nope: 1\n")), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("'nope'");
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write("db:\n  colour: red\n")), Map.of()))
                .hasMessageContaining("'db.colour'");
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write("")), Map.of("WHARF_DB_POOL", "1")))
                .hasMessageContaining("WHARF_DB_POOL");
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write(""), "--colour", "red"), Map.of()))
                .hasMessageContaining("--colour");
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write("")),
                Map.of("WHARF_DB_POOL_SIZE", "lots"))).hasMessageContaining("db.pool_size")
                .hasMessageContaining("WHARF_DB_POOL_SIZE");
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write("addr: nowhere\n")), Map.of()))
                .hasMessageContaining("addr");
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write("")),
                Map.of("WHARF_UPLOADS_EXPIRE_AFTER", "soon"))).hasMessageContaining("uploads.expire_after");
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write("")),
                Map.of("WHARF_DB_URL", "jdbc:mysql://x"))).hasMessageContaining("db.url");
    }

    @Test
    void jobLeaseAndWorkersHaveDefaultsAndBounds() {
        WharfConfig defaults = ConfigLoader.load(List.of("--config", write("")), Map.of());
        assertThat(defaults.jobs()).isEqualTo(new JobsConfig(2, Duration.ofSeconds(30)));
        WharfConfig set = ConfigLoader.load(List.of("--config", write("jobs:\n  lease: 6s\n")),
                Map.of("WHARF_JOBS_WORKERS", "4"));
        assertThat(set.jobs()).isEqualTo(new JobsConfig(4, Duration.ofSeconds(6)));
        // Shorter than 6 s, renewals every third of it would leave a slow database no room.
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write("")), Map.of("WHARF_JOBS_LEASE", "5s")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("jobs.lease")
                .hasMessageContaining("WHARF_JOBS_LEASE").hasMessageContaining("between 6s and 1h");
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write(""), "--jobs-lease", "2h"), Map.of()))
                .hasMessageContaining("jobs.lease");
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write("")), Map.of("WHARF_JOBS_WORKERS", "0")))
                .hasMessageContaining("jobs.workers");
    }

    @Test
    void passwordsStayOutOfToString() {
        WharfConfig c = ConfigLoader.load(List.of("--config", write("")),
                Map.of("WHARF_DB_PASSWORD", "s3cret-pw", "WHARF_DB_URL", "jdbc:postgresql://h/db?password=s3cret-pw"));
        assertThat(c.toString()).doesNotContain("s3cret-pw");
    }

    @Test
    void s3DriverReadsItsSettingsAndNeverShowsTheSecret() {
        WharfConfig c = ConfigLoader.load(List.of("--config", write("storage:\n  driver: s3\n  s3:\n"
                + "    endpoint: http://127.0.0.1:9000\n    bucket: wharf-blobs\n    path_style: true\n")),
                Map.of("WHARF_STORAGE_S3_ACCESS_KEY", "AKIDWHARF", "WHARF_STORAGE_S3_SECRET_KEY", "s3cret-key"));
        assertThat(c.storage().driver()).isEqualTo("s3");
        assertThat(c.storage().s3()).isEqualTo(new StorageConfig.S3("http://127.0.0.1:9000", "us-east-1", "wharf-blobs", "", true,
                "AKIDWHARF", "s3cret-key", false, Duration.ofMinutes(20)));
        assertThat(c.toString()).contains("wharf-blobs", "http://127.0.0.1:9000").doesNotContain("s3cret-key");
        assertThat(c.storage().s3().toString()).doesNotContain("s3cret-key");
    }

    @Test
    void s3DriverNeedsABucketAndAUrlEndpoint() {
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write(""), "--storage-driver", "s3"), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("storage.s3.bucket");
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write(""), "--storage-driver", "s3",
                "--storage-s3-bucket", "b1b", "--storage-s3-endpoint", "minio:9000"), Map.of()))
                .hasMessageContaining("storage.s3.endpoint");
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write(""), "--storage-driver", "s3",
                "--storage-s3-bucket", "b1b", "--storage-s3-access-key", "AKID"), Map.of()))
                .hasMessageContaining("storage.s3.secret_key");
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write(""), "--storage-driver", "gcs"), Map.of()))
                .hasMessageContaining("storage.driver");
        // Presigned URLs live at most 7 days (SigV4).
        assertThatThrownBy(() -> ConfigLoader.load(List.of("--config", write(""), "--storage-driver", "s3",
                "--storage-s3-bucket", "b1b"), Map.of("WHARF_STORAGE_S3_REDIRECT_EXPIRY", "8d")))
                .hasMessageContaining("storage.s3.redirect_expiry");
        assertThat(ConfigLoader.load(List.of("--config", write("storage:\n  s3:\n    redirect: true\n"),
                "--storage-driver", "s3", "--storage-s3-bucket", "b1b"), Map.of()).storage().s3())
                .extracting(StorageConfig.S3::redirect, StorageConfig.S3::redirectExpiry)
                .containsExactly(true, Duration.ofMinutes(20));
        // Unused S3 settings do not stop a filesystem node.
        assertThat(ConfigLoader.load(List.of("--config", write(""), "--storage-s3-endpoint", "nonsense"), Map.of())
                .storage().driver()).isEqualTo("filesystem");
    }

    @Test
    void documentationListsEveryKey() throws IOException {
        String doc = Files.readString(Path.of("docs/configuration.md"));
        for (ConfigKey k : ConfigKey.values()) {
            assertThat(doc).as("docs/configuration.md documents " + k.path())
                    .contains("`" + k.path() + "`", "`" + k.envName() + "`", "`" + k.flag() + "`");
        }
    }

    private String write(String yaml) {
        try {
            Path f = Files.createTempFile(dir, "wharf", ".yaml");
            Files.writeString(f, yaml);
            return f.toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
