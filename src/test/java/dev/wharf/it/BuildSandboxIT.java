package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wharf.it.support.Credentials;
import dev.wharf.it.support.CycleClient;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.Tar;
import dev.wharf.it.support.WharfProcess;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: a Dockerfile build, started by an ordinary user in their own hub, cannot reach the host. The build
 * context carries a small static program ({@code src/test/resources/sandbox/probe.c}, compiled here with
 * {@code gcc -static}) that each {@code RUN} step uses for one attack: the classic chroot escape, reading
 * {@code /proc/1/root}, the data directory and {@code secret.key}, creating a file outside the build directory,
 * killing a process this test started and Wharf itself, connecting to Redis, PostgreSQL and Wharf on 127.0.0.1,
 * and running more processes or allocating more memory than the build's limits. Every attempt prints one line,
 * and the test asserts from the build log that each was BLOCKED and none SUCCEEDED, and from the host that the
 * marker is absent, the process alive, the services still there. A second build pulls its base image from Wharf
 * over loopback (multi-stage, {@code COPY --from}) while its {@code RUN} still has no network; two more fill the
 * disk with a 10 GiB sparse file and fail on the limit with bounded use.
 */
class BuildSandboxIT {
    private static final Duration BUILD = Duration.ofMinutes(3);
    private static final long DISK_LIMIT = 512L << 20;
    private static final long TEN_GIB = 10L << 30;
    private static final List<String> ATTACKS = List.of("chroot-escape", "proc1-root-secret", "proc1-root-data",
            "data-dir", "secret-key", "wharf-db", "host-marker", "host-process", "wharf-server", "redis",
            "postgresql", "wharf", "process-limit", "memory-limit");

    @TempDir
    Path work;

    @Test
    void hostileBuildStepsCannotReachTheHost() throws Exception {
        Path context = Files.createDirectories(work.resolve("context"));
        compileProbe(context.resolve("probe"));
        Path outside = Files.createDirectories(work.resolve("outside"));
        Path marker = outside.resolve("marker-from-the-build");
        Process victim = new ProcessBuilder("sleep", "600").start();
        try (WharfProcess wharf = WharfProcess.start(Files.createDirectories(work.resolve("data")),
                Map.of("WHARF_SOURCES_BUILD_DISK_BYTES", Long.toString(DISK_LIMIT),
                        "WHARF_SOURCES_BUILD_MAX_PROCESSES", "100",
                        "WHARF_SOURCES_BUILD_MEMORY_BYTES", Long.toString(768L << 20)))) {
            Path data = wharf.dataDir();
            Path secret = data.resolve("secret.key");
            assertThat(secret).as("the secret key the attacks go for").exists();
            byte[] secretBefore = Files.readAllBytes(secret);
            int port = Integer.parseInt(wharf.host().substring(wharf.host().lastIndexOf(':') + 1));
            // The services the network attacks aim at answer on the host: a blocked attempt means something.
            for (int service : List.of(6379, 5432, port)) assertThat(reachable(service)).as("port " + service).isTrue();

            Credentials user = wharf.createUser("builder", "builder-secret-1");
            CycleClient cycle = new CycleClient(wharf, user);
            String dockerfile = String.join("\n",
                    "FROM scratch",
                    "COPY probe /probe",
                    run("ids", "uid-map"),
                    run("escape", "chroot-escape", secret.toString(), marker.toString()),
                    run("read", "proc1-root-secret", "/proc/1/root" + secret),
                    run("list", "proc1-root-data", "/proc/1/root" + data),
                    run("list", "data-dir", data.toString()),
                    run("read", "secret-key", secret.toString()),
                    run("read", "wharf-db", data.resolve("wharf.db").toString()),
                    run("create", "host-marker", marker.toString()),
                    run("kill", "host-process", Long.toString(victim.pid())),
                    run("kill", "wharf-server", Long.toString(wharf.pid())),
                    run("connect", "redis", "127.0.0.1", "6379"),
                    run("connect", "postgresql", "127.0.0.1", "5432"),
                    run("connect", "wharf", "127.0.0.1", Integer.toString(port)),
                    run("fork", "process-limit", "300"),
                    run("alloc", "memory-limit", "2048"),
                    "");
            Files.writeString(context.resolve("Dockerfile"), dockerfile);
            String source = cycle.source("Sandbox Probes", "{\"type\": \"docker-file\", \"details\": {}}");
            String image = cycle.image(source);
            JsonNode done = cycle.awaitEnd(cycle.upload(image, tarGz(context, "Dockerfile", "probe")), BUILD);
            String log = buildLog(cycle, image);
            assertThat(CycleClient.state(done)).as(done + "\n" + log).isEqualTo("completed");

            for (String attack : ATTACKS) {
                assertThat(log).as(log).contains("PROBE " + attack + " BLOCKED");
                assertThat(log).as(log).doesNotContain("PROBE " + attack + " SUCCEEDED");
            }
            // The build's root is an unprivileged host uid: the namespace maps it onto the sandbox's range.
            assertThat(log).containsPattern("PROBE uid-map INFO: uid_map\\s+0\\s+1000000000\\s+65536");
            // The escape worked as an escape, but landed in the sandbox's own root, not the host's.
            String listing = log.lines().filter(l -> l.contains("PROBE escape-root-listing SUCCEEDED"))
                    .findFirst().orElseThrow();
            assertThat(listing).contains(" build").contains(" usr");
            for (String hostOnly : List.of(" var", " home", " root", " boot", " srv", " opt")) {
                assertThat(listing).doesNotContain(hostOnly + " ").doesNotEndWith(hostOnly);
            }
            // And the host side agrees.
            assertThat(marker).doesNotExist();
            assertThat(victim.isAlive()).isTrue();
            assertThat(ProcessHandle.of(wharf.pid()).map(ProcessHandle::isAlive)).contains(true);
            assertThat(Files.readAllBytes(secret)).isEqualTo(secretBefore);
            for (int service : List.of(6379, 5432, port)) assertThat(reachable(service)).isTrue();

            // Multi-stage: the base image comes from this Wharf over loopback (pulled before the sandboxed build),
            // the RUN of that stage still has no network, and COPY --from takes a file out of it.
            String probes = "127.0.0.1:" + port + "/builder/sandbox-probes:latest";
            Files.writeString(context.resolve("Dockerfile"), String.join("\n",
                    "FROM " + probes + " AS tools",
                    run("connect", "wharf-from-stage", "127.0.0.1", Integer.toString(port)),
                    "FROM scratch",
                    "COPY --from=tools /probe /copied-probe",
                    ""));
            String staged = cycle.source("Staged", "{\"type\": \"docker-file\", \"details\": {\"credentials\": [{"
                    + "\"url\": \"127.0.0.1:" + port + "\", \"username\": \"builder\", \"token\": \"builder-secret-1\""
                    + "}]}}");
            String stagedImage = cycle.image(staged);
            JsonNode stagedDone = cycle.awaitEnd(cycle.upload(stagedImage, tarGz(context, "Dockerfile")), BUILD);
            String stagedLog = buildLog(cycle, stagedImage);
            assertThat(CycleClient.state(stagedDone)).as(stagedDone + "\n" + stagedLog).isEqualTo("completed");
            assertThat(stagedLog).contains("PROBE wharf-from-stage BLOCKED").doesNotContain("SUCCEEDED");
            assertThat(stagedLog).doesNotContain("builder-secret-1");

            // A base image on a host loopback service is refused before anything connects to it.
            Files.writeString(context.resolve("Dockerfile"), "FROM 127.0.0.1:6379/x/y:latest\nRUN true\n");
            JsonNode redisBase = cycle.awaitEnd(cycle.upload(cycle.image(cycle.source("Redis Base",
                    "{\"type\": \"docker-file\", \"details\": {}}")), tarGz(context, "Dockerfile")), BUILD);
            assertThat(redisBase.path("state").path("error").path("message").asText())
                    .contains("127.0.0.1:6379").contains("loopback");

            // Disk: a tar holding a 10 GiB sparse file, unpacked by the Dockerfile's ADD ...
            Path sparse = Files.createDirectories(work.resolve("sparse"));
            try (RandomAccessFile f = new RandomAccessFile(sparse.resolve("huge.bin").toFile(), "rw")) {
                f.setLength(TEN_GIB);
            }
            // POSIX (PAX) sparse format: buildah's ADD reads it (GNU's old 'S' members it refuses outright).
            run(work, "tar", "--format=posix", "-S", "-cf", context.resolve("big.tar").toString(), "-C",
                    sparse.toString(), "huge.bin");
            assertThat(Files.size(context.resolve("big.tar"))).isLessThan(1 << 20);
            Files.writeString(context.resolve("Dockerfile"), "FROM scratch\nADD big.tar /\n");
            assertDiskLimit(wharf, cycle, "Add Bomb", tarGz(context, "Dockerfile", "big.tar"));
            // ... and the same file directly in the uploaded context, which Wharf unpacks itself (in the sandbox).
            Files.copy(context.resolve("Dockerfile"), sparse.resolve("Dockerfile"));
            run(work, "tar", "-S", "-czf", work.resolve("bomb.tar.gz").toString(), "-C", sparse.toString(),
                    "Dockerfile", "huge.bin");
            assertDiskLimit(wharf, cycle, "Context Bomb", work.resolve("bomb.tar.gz"));

            try (Stream<Path> left = Files.list(data.resolve("builds"))) {
                assertThat(left.toList()).isEmpty();
            }
            assertThat(Files.readString(wharf.logFile())).contains("Dockerfile builds run sandboxed as host uids");
        } finally {
            victim.destroyForcibly();
        }
    }

    /**
     * storage.reserve_bytes bounds builds as it bounds pushes: a build may use no more than the disk had free above
     * the reserve when it started, so that it cannot take the room the database keeps. The reserve here leaves about
     * 1 GiB above it, and the build's context holds a 4 GiB file of zeros (a few MiB to upload, never written to
     * disk by the test). The margins are wide because the free space of a shared disk moves while the test runs.
     */
    @Test
    void aBuildGetsNoMoreDiskThanTheRoomAboveTheReserve() throws Exception {
        Path archive = work.resolve("reserve-context.tar.gz");
        try (OutputStream out = new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(archive)),
                1 << 16) {
            { def.setLevel(Deflater.BEST_SPEED); }
        }) {
            Tar.writeFile(out, "Dockerfile", "FROM scratch\nADD zeros.bin /\n".getBytes(StandardCharsets.UTF_8));
            Tar.writeZeros(out, "zeros.bin", 4L << 30);
            Tar.end(out);
        }
        Path data = Files.createDirectories(work.resolve("reserve-data"));
        long usable = Files.getFileStore(data).getUsableSpace();
        long room = 1L << 30;
        assumeTrue(usable > (4L << 30), "4 GiB free on the test's disk");
        try (WharfProcess wharf = WharfProcess.start(data, Map.of(
                "WHARF_STORAGE_RESERVE_BYTES", Long.toString(usable - room),
                "WHARF_SOURCES_BUILD_DISK_BYTES", Long.toString(TEN_GIB)))) {
            CycleClient cycle = new CycleClient(wharf, wharf.createUser("builder", "builder-secret-1"));
            String image = cycle.image(cycle.source("Reserve", "{\"type\": \"docker-file\", \"details\": {}}"));
            AtomicLong most = new AtomicLong();
            Path builds = data.resolve("builds");
            JsonNode end = cycle.awaitJob(cycle.upload(image, archive), BUILD, j -> {
                most.accumulateAndGet(diskUse(builds), Math::max);
                return CycleClient.finished(j);
            });
            String log = buildLog(cycle, image);
            assertThat(CycleClient.state(end)).as(end + "\n" + log).isEqualTo("error");
            // Stopped by the room it was given at the start, or by the reserve itself if the disk filled meanwhile.
            assertThat(end.path("state").path("error").path("message").asText()).as(log)
                    .contains("kept for the database").contains("storage.reserve_bytes")
                    .doesNotContain("sources.build_disk_bytes");
            assertThat(most.get()).as("bytes on disk under builds/ during the build\n" + log)
                    .isLessThan(2 * room);
            try (Stream<Path> left = Files.list(builds)) {
                assertThat(left.toList()).isEmpty();
            }
            // The room is still there for what frees space: the administrator signs in to the Hub API.
            assertThat(RegistryHttp.hubSession(wharf)).isNotBlank();
        }
    }

    @Test
    void buildsOffBySettingAndOnlyForOwners() throws Exception {
        try (WharfProcess wharf = WharfProcess.start(Files.createDirectories(work.resolve("off")),
                Map.of("WHARF_SOURCES_BUILD_ENABLED", "false"))) {
            CycleClient cycle = new CycleClient(wharf);
            JsonNode refused = cycle.call("POST", "/v1/images/sources", "{\"name\": \"Off\", \"type\": \"direct\","
                    + " \"origin\": {\"type\": \"docker-file\", \"details\": {}}}", 422, false);
            assertThat(refused.path("error").path("code").asText()).isEqualTo("422.not-compatible");
            assertThat(refused.path("error").path("detail").asText()).contains("sources.build_enabled=false");
            // Other origins are not affected.
            cycle.source("Still Fine", "{\"type\": \"docker-hub\", \"details\": {\"target\": \"library/alpine\"}}");
        }
        try (WharfProcess wharf = WharfProcess.start(Files.createDirectories(work.resolve("on")))) {
            wharf.createUser("owner", "owner-secret-1");
            Credentials editor = wharf.createUser("editor", "editor-secret-1");
            wharf.cli("org", "create", "team", "--owner", "owner");
            wharf.cli("org", "member", "team", "editor", "--role", "editor");
            CycleClient asEditor = new CycleClient(wharf, editor, "team");
            JsonNode denied = asEditor.call("POST", "/v1/images/sources", "{\"name\": \"Editor Build\", \"type\":"
                    + " \"direct\", \"origin\": {\"type\": \"docker-file\", \"details\": {}}}", 403, false);
            assertThat(denied.path("error").path("detail").asText()).contains("only owners");
            // The editor may still manage other sources; an owner may create docker-file ones.
            asEditor.source("Editor Import", "{\"type\": \"docker-hub\", \"details\": {\"target\": \"library/a\"}}");
            new CycleClient(wharf, new Credentials("owner", "owner-secret-1"), "team")
                    .source("Owner Build", "{\"type\": \"docker-file\", \"details\": {}}");
        }
    }

    /** The build fails on the disk limit, the build directory never grows far past it, and it is removed. */
    private static void assertDiskLimit(WharfProcess wharf, CycleClient cycle, String name, Path context)
            throws Exception {
        String image = cycle.image(cycle.source(name, "{\"type\": \"docker-file\", \"details\": {}}"));
        String job = cycle.upload(image, context);
        AtomicLong most = new AtomicLong();
        Path builds = wharf.dataDir().resolve("builds");
        JsonNode end = cycle.awaitJob(job, BUILD, j -> {
            most.accumulateAndGet(diskUse(builds), Math::max);
            return CycleClient.finished(j);
        });
        String log = buildLog(cycle, image);
        assertThat(CycleClient.state(end)).as(end + "\n" + log).isEqualTo("error");
        assertThat(end.path("state").path("error").path("message").asText()).as(log)
                .contains("sources.build_disk_bytes");
        assertThat(most.get()).as("bytes on disk under builds/ during the build").isLessThan(DISK_LIMIT + (256L << 20));
        try (Stream<Path> left = Files.list(builds)) {
            assertThat(left.toList()).isEmpty();
        }
    }

    /** Blocks the directory really uses (du), not apparent sizes: what the disk holds. */
    private static long diskUse(Path dir) {
        try {
            Process p = new ProcessBuilder("du", "-s", "-B1", dir.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return Long.parseLong(out.lines().reduce((a, b) -> b).orElse("0\t").split("\\s+")[0]);
        } catch (IOException | NumberFormatException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private static String run(String... probe) {
        List<String> args = new ArrayList<>(List.of("/probe"));
        args.addAll(List.of(probe));
        return "RUN [" + String.join(", ", args.stream().map(a -> "\"" + a + "\"").toList()) + "]";
    }

    private static String buildLog(CycleClient cycle, String image) throws Exception {
        return cycle.call("GET", "/v1/images/" + image + "/build-log", null, 200, true).path("data").path("log")
                .asText();
    }

    private static boolean reachable(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Path tarGz(Path dir, String... files) throws Exception {
        Path out = Files.createTempFile(work, "context", ".tar.gz");
        List<String> cmd = new ArrayList<>(List.of("tar", "-czf", out.toString(), "-C", dir.toString()));
        cmd.addAll(List.of(files));
        run(work, cmd.toArray(String[]::new));
        return out;
    }

    private static void compileProbe(Path binary) throws Exception {
        Path source = binary.resolveSibling("probe.c");
        try (InputStream in = BuildSandboxIT.class.getResourceAsStream("/sandbox/probe.c")) {
            Files.copy(in, source);
        }
        run(binary.getParent(), "gcc", "-static", "-O1", "-o", binary.toString(), source.toString());
        Files.delete(source);
    }

    private static void run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
    }
}
