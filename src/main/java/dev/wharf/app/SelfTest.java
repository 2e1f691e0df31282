package dev.wharf.app;

import dev.wharf.config.ConfigLoader;
import dev.wharf.config.BuildSandboxConfig;
import dev.wharf.config.WharfConfig;
import dev.wharf.sources.build.Cgroups;
import dev.wharf.sources.build.Sandbox;
import dev.wharf.sources.build.SandboxCheck;
import dev.wharf.sources.build.Trees;
import dev.wharf.model.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code wharf self-test}: starts a throwaway node (temporary data directory, loopback, ephemeral port, auth on),
 * pushes and pulls a one-layer image through its own HTTP API the way a registry client does, signs in to the
 * Hub API, and stops. Operators run it to check an install; the launcher runs it once per build to record the
 * JVM's ahead-of-time class cache, so that a real start loads the classes a request needs from that cache.
 */
final class SelfTest {
    private static final Pattern TOKEN = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"");
    private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    private static final int REPEATED_PULLS = 3000;
    /** Pushes of the training run's push path; enough calls for the JIT to compile the byte path at tier 4. */
    private static final int REPEATED_PUSHES = 24;
    private static final int PUSHED_LAYER_BYTES = 4 * 1024 * 1024;
    /** Cold pulls through the self-mirror; layers above SocketBody's threshold, so its streaming path runs. */
    private static final int MIRRORED_IMAGES = 8;
    private static final int MIRRORED_LAYER_BYTES = 4 * 1024 * 1024;

    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    SelfTest(PrintStream out) {
        this.out = out;
    }

    /** Exit status: 0 when every step answered as expected, 1 otherwise (the failing step is printed). */
    int run() {
        Path dataDir;
        try {
            dataDir = Files.createTempDirectory("wharf-self-test");
        } catch (IOException e) {
            out.println("self-test: cannot create a temporary directory: " + e.getMessage());
            return 1;
        }
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(18));
        // Flags only, and no implicit ./wharf.yaml: the operator's settings must not leak into a throwaway node.
        WharfConfig config = ConfigLoader.load(List.of("--addr", "127.0.0.1:0", "--data-dir", dataDir.toString(),
                "--admin-password", password, "--log-access", "false", "--log-level", "warn",
                // The mirror step's upstream is this very node, on loopback: an exception to the outbound policy
                // that exists only inside this throwaway node.
                "--outbound-allow", "127.0.0.1/32"), Map.of(), false);
        Logging.setLevel(config.log().level());
        WharfServer server = null;
        try {
            server = WharfServer.start(config);
            exercise("http://127.0.0.1:" + server.port(), "admin", password);
            out.println("self-test passed: push, pull, a pull-through mirror and sign-in work on a temporary node");
            buildSandbox(config);
            return 0;
        } catch (StartupException | SelfTestFailure e) {
            out.println("self-test failed: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            out.println("self-test failed: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            if (server != null) server.stop();
            deleteTree(dataDir);
        }
    }

    /**
     * Runs the build sandbox's self-check (the one a server runs at start) and prints every isolation property.
     * A failure does not fail the self-test: it means this machine runs no Dockerfile builds, which the server
     * then also says at start; the output tells the operator which property is missing.
     */
    private void buildSandbox(WharfConfig config) {
        BuildSandboxConfig b = config.buildSandbox();
        Sandbox sandbox = new Sandbox(b.uid(), new Sandbox.Limits(b.memoryBytes(), b.cpus(), b.maxProcesses(),
                b.diskBytes(), config.sources().builds().timeout()), Cgroups.detect().orElse(null));
        Path scratch = config.dataDir().resolve("builds");
        SandboxCheck.Report report;
        try {
            Trees.createPrivate(scratch);
            report = SandboxCheck.run(sandbox, scratch, config.dataDir());
        } catch (IOException e) {
            out.println("build sandbox: cannot run its self-check: " + e.getMessage());
            return;
        }
        for (SandboxCheck.Property p : report.properties()) {
            out.println("build sandbox: " + (p.ok() ? "ok     " : "FAILED ") + p.name() + " (" + p.detail() + ")");
        }
        out.println(report.passed()
                ? "build sandbox passed: Dockerfile builds run isolated here ("
                        + (sandbox.cgroups() == null ? "rlimits only" : "rlimits and " + sandbox.cgroups().describe())
                        + ")"
                : "build sandbox FAILED: a server on this machine starts with Dockerfile builds disabled");
    }

    private void exercise(String base, String user, String password) throws IOException, InterruptedException {
        expect(send(get(base + "/readyz")), 200, "readiness");
        expect(send(get(base + "/v2/")), 401, "anonymous /v2/ challenge");
        String basic = "Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8));
        String repo = "self-test/image";
        var tokenResponse = send(HttpRequest.newBuilder(URI.create(base + "/token?service=wharf&scope=repository:"
                + repo + ":push,pull")).header("Authorization", basic).GET().build());
        expect(tokenResponse, 200, "registry token");
        Matcher m = TOKEN.matcher(tokenResponse.body());
        if (!m.find()) throw new SelfTestFailure("registry token: no token in the answer");
        String bearer = "Bearer " + m.group(1);

        byte[] layer = randomBytes(4096);
        byte[] configBlob = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"
                .getBytes(StandardCharsets.UTF_8);
        String layerDigest = pushBlob(base, repo, bearer, layer);
        String configDigest = pushBlob(base, repo, bearer, configBlob);
        byte[] manifest = manifest(configDigest, configBlob.length, layerDigest, layer.length);
        expect(send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/manifests/latest"))
                .header("Authorization", bearer).header("Content-Type", MANIFEST_TYPE)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build()), 201, "manifest push");

        var pulled = send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/manifests/latest"))
                .header("Authorization", bearer).header("Accept", MANIFEST_TYPE).GET().build());
        expect(pulled, 200, "manifest pull");
        if (!pulled.body().equals(new String(manifest, StandardCharsets.UTF_8))) {
            throw new SelfTestFailure("manifest pull: the bytes differ from the pushed manifest");
        }
        var blob = http.send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/blobs/" + layerDigest))
                .header("Authorization", bearer).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (blob.statusCode() != 200 || !Digest.sha256(blob.body()).toString().equals(layerDigest)) {
            throw new SelfTestFailure("blob pull: status " + blob.statusCode() + " or wrong digest");
        }
        expect(send(get(base + "/v2/" + repo + "/tags/list", bearer)), 200, "tag list");
        repeatPulls(base + "/v2/" + repo, bearer, layerDigest);
        repeatPushes(base, basic);

        mirror(base, basic, user, password);

        expect(send(HttpRequest.newBuilder(URI.create(base + "/v2/users/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + user + "\",\"password\":\""
                        + password + "\"}")).build()), 200, "Hub sign-in");
        expect(send(get(base + "/metrics")), 200, "metrics");
    }

    /**
     * Pulls the manifest and checks the layer many times over. As a check it adds little; for the launcher's
     * training run it records the pull path's method profiles, which the JIT of later starts uses from the first
     * request instead of profiling a warming node's first thousands of pulls.
     */
    private void repeatPulls(String repoUrl, String bearer, String layerDigest)
            throws IOException, InterruptedException {
        HttpRequest manifest = HttpRequest.newBuilder(URI.create(repoUrl + "/manifests/latest"))
                .header("Authorization", bearer).header("Accept", MANIFEST_TYPE).GET().build();
        HttpRequest blob = HttpRequest.newBuilder(URI.create(repoUrl + "/blobs/" + layerDigest))
                .header("Authorization", bearer).method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
        for (int i = 0; i < REPEATED_PULLS; i++) {
            expect(send(manifest), 200, "repeated manifest pull");
            if (i % 10 == 0) expect(send(blob), 200, "repeated blob check");
        }
    }

    /**
     * Pushes a few MiB-sized images the way skopeo, containerd and docker do: a token by Basic credentials, a HEAD
     * of each blob (missing), POST, one chunked PATCH streaming the layer, PUT with the digest, then the manifest;
     * then pulls the layer back.
     * Like {@link #repeatPulls}, a check that matters little; for the launcher's training run it records the push
     * path's profiles (HTTP/1.1 chunked request bodies, the streaming hash, the staging writes), which a fresh node
     * otherwise gathers during its first real pushes while the JIT competes with them for the CPU.
     */
    private void repeatPushes(String base, String basic) throws IOException, InterruptedException {
        byte[] layer = randomBytes(PUSHED_LAYER_BYTES);
        for (int i = 0; i < REPEATED_PUSHES; i++) {
            String repo = "self-test/push-" + i;
            String bearer = token(base, basic, repo, "push,pull");
            layer[i % layer.length]++; // a new layer each time, so nothing is already there
            String layerDigest = pushBlobChunked(base, repo, bearer, layer);
            byte[] configBlob = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                    + "\"diff_ids\":[]},\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8);
            String configDigest = pushBlobChunked(base, repo, bearer, configBlob);
            byte[] manifest = manifest(configDigest, configBlob.length, layerDigest, layer.length);
            expect(send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/manifests/latest"))
                    .header("Authorization", bearer).header("Content-Type", MANIFEST_TYPE)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build()), 201, "repeated manifest push");
            // And the layer back: a large blob's body goes out in 32 KiB steps (registry.SocketBody), thousands of
            // them per pull, which run interpreted on a node without this profile (a fresh node's first three
            // 53.7 MB GETs ran at 1.5-1.6 GB/s, later ones at 2.0-3.0).
            var pulled = http.send(get(base + "/v2/" + repo + "/blobs/" + layerDigest, bearer),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (pulled.statusCode() != 200 || !Digest.sha256(pulled.body()).toString().equals(layerDigest)) {
                throw new SelfTestFailure("pull of a pushed layer: status " + pulled.statusCode()
                        + " or wrong digest");
            }
        }
    }

    /** HEAD (404), POST, one PATCH with a chunked body (no Content-Length, as Go clients send), PUT ?digest=. */
    private String pushBlobChunked(String base, String repo, String bearer, byte[] bytes)
            throws IOException, InterruptedException {
        String digest = Digest.sha256(bytes).toString();
        expect(send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/blobs/" + digest))
                .header("Authorization", bearer).method("HEAD", HttpRequest.BodyPublishers.noBody()).build()),
                404, "blob check before a push");
        var opened = send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/blobs/uploads/"))
                .header("Authorization", bearer).POST(HttpRequest.BodyPublishers.noBody()).build());
        expect(opened, 202, "blob upload start");
        String location = opened.headers().firstValue("Location")
                .orElseThrow(() -> new SelfTestFailure("blob upload start: no Location"));
        // An InputStream body has no known length, so the client sends it chunked.
        var patched = send(HttpRequest.newBuilder(URI.create(base).resolve(location))
                .header("Authorization", bearer).header("Content-Type", "application/octet-stream")
                .method("PATCH", HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes)))
                .build());
        expect(patched, 202, "chunked blob upload");
        String next = patched.headers().firstValue("Location")
                .orElseThrow(() -> new SelfTestFailure("chunked blob upload: no Location"));
        URI target = URI.create(base).resolve(next + (next.contains("?") ? "&" : "?") + "digest=" + digest);
        expect(send(HttpRequest.newBuilder(target).header("Authorization", bearer)
                .PUT(HttpRequest.BodyPublishers.noBody()).build()), 201, "blob upload completion");
        return digest;
    }

    /**
     * Pulls images through a pull-through mirror of this very node (its own registry as the upstream, with the
     * administrator's credentials, so the mirror also fetches bearer tokens): each repository is a cold pull (the
     * layer streams to the client while the mirror stores it), then a warm one. As a check it covers the mirror
     * path; for the launcher's training run it records what a server's first mirror pulls would otherwise load,
     * link and profile on the spot (measured at 1.5 to 2 s of CPU, most of it compiling, for a first 128 MiB pull).
     */
    private void mirror(String base, String basic, String user, String password)
            throws IOException, InterruptedException {
        String name = "self-test-mirror";
        String body = "{\"upstream\":\"" + base + "\",\"username\":\"" + user + "\",\"password\":\"" + password
                + "\",\"anonymous_pulls\":false}";
        expect(send(HttpRequest.newBuilder(URI.create(base + "/admin/mirrors/" + name)).header("Authorization", basic)
                .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build()),
                201, "mirror creation");
        for (int i = 1; i <= MIRRORED_IMAGES; i++) {
            String repo = "self-test/mirrored-" + i;
            String push = token(base, basic, repo, "push,pull");
            byte[] layer = randomBytes(MIRRORED_LAYER_BYTES);
            String layerDigest = pushBlob(base, repo, push, layer);
            byte[] configBlob = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                    + "\"diff_ids\":[\"" + layerDigest + "\"]}}").getBytes(StandardCharsets.UTF_8);
            String configDigest = pushBlob(base, repo, push, configBlob);
            expect(send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/manifests/1"))
                    .header("Authorization", push).header("Content-Type", MANIFEST_TYPE)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest(configDigest, configBlob.length, layerDigest,
                            layer.length))).build()), 201, "manifest push for the mirror");
            String mirrored = name + "/" + repo;
            String pull = token(base, basic, mirrored, "pull");
            for (String pass : List.of("cold", "warm")) {
                expect(send(HttpRequest.newBuilder(URI.create(base + "/v2/" + mirrored + "/manifests/1"))
                        .header("Authorization", pull).header("Accept", MANIFEST_TYPE).GET().build()), 200,
                        pass + " manifest pull through the mirror");
                for (String digest : List.of(configDigest, layerDigest)) {
                    var blob = http.send(get(base + "/v2/" + mirrored + "/blobs/" + digest, pull),
                            HttpResponse.BodyHandlers.ofByteArray());
                    if (blob.statusCode() != 200 || !Digest.sha256(blob.body()).toString().equals(digest)) {
                        throw new SelfTestFailure(pass + " blob pull through the mirror: status "
                                + blob.statusCode() + " or wrong digest");
                    }
                }
            }
        }
    }

    private String token(String base, String basic, String repo, String actions)
            throws IOException, InterruptedException {
        var response = send(HttpRequest.newBuilder(URI.create(base + "/token?service=wharf&scope=repository:" + repo
                + ":" + actions)).header("Authorization", basic).GET().build());
        expect(response, 200, "registry token for " + repo);
        Matcher m = TOKEN.matcher(response.body());
        if (!m.find()) throw new SelfTestFailure("registry token: no token in the answer");
        return "Bearer " + m.group(1);
    }

    private static byte[] manifest(String configDigest, int configSize, String layerDigest, int layerSize) {
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST_TYPE + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":"
                + configSize + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\"" + layerDigest + "\",\"size\":" + layerSize + "}]}").getBytes(StandardCharsets.UTF_8);
    }

    /** Monolithic push: POST opens the session, one PUT with the bytes and the digest closes it. */
    private String pushBlob(String base, String repo, String bearer, byte[] bytes)
            throws IOException, InterruptedException {
        String digest = Digest.sha256(bytes).toString();
        var opened = send(HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/blobs/uploads/"))
                .header("Authorization", bearer).POST(HttpRequest.BodyPublishers.noBody()).build());
        expect(opened, 202, "blob upload start");
        String location = opened.headers().firstValue("Location")
                .orElseThrow(() -> new SelfTestFailure("blob upload start: no Location"));
        URI target = URI.create(base).resolve(location + (location.contains("?") ? "&" : "?") + "digest=" + digest);
        expect(send(HttpRequest.newBuilder(target).header("Authorization", bearer)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build()), 201, "blob upload");
        return digest;
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).GET().build();
    }

    private static HttpRequest get(String url, String authorization) {
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", authorization).GET().build();
    }

    private static void expect(HttpResponse<String> response, int status, String step) {
        if (response.statusCode() != status) {
            throw new SelfTestFailure(step + ": expected HTTP " + status + ", got " + response.statusCode());
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is harmless; the OS cleans it.
        }
    }

    private static final class SelfTestFailure extends RuntimeException {
        SelfTestFailure(String message) {
            super(message);
        }
    }
}
