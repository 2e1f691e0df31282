package dev.wharf.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.wharf.config.ConfigLoader;
import dev.wharf.model.Digest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Issue 13, finding 12: the data directory is 0700 and its files 0600, and looser modes are reported at start. */
class DataDirModesTest {
    @TempDir
    Path dir;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void databaseBlobsAndUploadsAreOwnerOnly() throws Exception {
        Path data = dir.resolve("data");
        WharfServer server = WharfServer.start(ConfigLoader.load(List.of("--addr", "127.0.0.1:0", "--data-dir",
                data.toString(), "--auth-enabled", "false", "--log-access", "false"), Map.of()));
        try {
            byte[] blob = "a private layer".getBytes(StandardCharsets.UTF_8);
            HttpResponse<String> pushed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + server.port() + "/v2/team/app/blobs/uploads/?digest=" + Digest.sha256(blob)))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(pushed.statusCode()).isEqualTo(201);
            HttpResponse<String> started = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + server.port() + "/v2/team/app/blobs/uploads/"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(started.statusCode()).isEqualTo(202);

            assertThat(mode(data)).isEqualTo("rwx------");
            assertThat(mode(data.resolve("wharf.db"))).isEqualTo("rw-------");
            assertThat(Files.exists(data.resolve("wharf.db-wal"))).isTrue();
            assertThat(mode(data.resolve("wharf.db-wal"))).isEqualTo("rw-------");
            try (Stream<Path> all = Files.walk(data.resolve("storage"))) {
                for (Path p : all.toList()) {
                    assertThat(mode(p)).as(p.toString()).isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
                }
            }
            try (Stream<Path> blobs = Files.walk(data.resolve("storage/blobs"))) {
                assertThat(blobs.filter(Files::isRegularFile).count()).isEqualTo(1);
            }
        } finally {
            server.stop();
        }
    }

    @Test
    void aDataDirectoryReadableByOthersIsReportedAtStart() throws Exception {
        Path data = Files.createDirectories(dir.resolve("loose"));
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Logger logger = (Logger) LoggerFactory.getLogger(WharfServer.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        WharfServer server = null;
        try {
            server = WharfServer.start(ConfigLoader.load(List.of("--addr", "127.0.0.1:0", "--data-dir",
                    data.toString(), "--auth-enabled", "false", "--log-access", "false"), Map.of()));
            assertThat(appender.list).map(ILoggingEvent::getFormattedMessage)
                    .anyMatch(m -> m.contains(data.toString()) && m.contains("rwxr-xr-x")
                            && m.contains("accessible to other users"));
            assertThat(mode(data)).as("reported, not changed").isEqualTo("rwxr-xr-x");
        } finally {
            logger.detachAppender(appender);
            if (server != null) server.stop();
        }
    }
}
