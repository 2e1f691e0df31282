/*
 * RegistryBench: a small OCI Distribution load client used by bench/run.sh.
 *
 * Single-file program for the JDK source launcher (JDK >= 21; run with JDK 25 here):
 *   java bench/RegistryBench.java <command> --base http://127.0.0.1:PORT [options]
 *
 * --base takes one URL or several, comma-separated, with --names giving each a label (default s0, s1,
 * ...). With several servers every iteration runs against each of them back to back, alternating which
 * goes first, so drift in background load on the machine hits all of them alike. Servers are never
 * loaded at the same time. Output is "label.key=value" lines on stdout; diagnostics go to stderr. A
 * protocol error from one server is reported as "label.error=..." and that server is dropped from the
 * rest of the command; the others go on.
 *
 * Commands:
 *   large   push one large layer --pushes times (POST + PATCH + PUT, the way docker/containerd
 *           stream a layer), then GET it --pulls times. Options: --size-mib, --pushes, --pulls,
 *           --client curl|java, --tmp DIR
 *   small   push --images small images concurrently (config + 1-2 layers + manifest, POST +
 *           monolithic PUT per blob), --reps times with fresh images, then GET all their blobs
 *           concurrently --rounds times. Prints the repository/tag of one image for the manifest GET
 *           (wrk) test. Options: --images, --reps, --rounds, --warmup
 *
 * Data is generated deterministically from a seed: a 1 MiB pseudo-random base block whose
 * first 16 bytes are replaced by (seed, block index), so every block and every layer is
 * distinct, nothing larger than 1 MiB is held in memory, and the sha256 is computed in a
 * first pass before the timed upload regenerates the same bytes.
 */
import java.io.InputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Flow;
import java.util.HashMap;

public class RegistryBench {

    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final String ACCEPT = OCI_MANIFEST + ",application/vnd.docker.distribution.manifest.v2+json";
    static final int BLOCK = 1 << 20;
    static final Duration TIMEOUT = Duration.ofSeconds(120);

    static HttpClient client;
    /** The server under test right now; servers are exercised one at a time, never concurrently. */
    static volatile URI base;

    record Target(String name, URI base) {
    }

    static List<Target> targets = new ArrayList<>();
    static final Map<String, String> failed = new HashMap<>();

    /** Targets still healthy, in the order for iteration `iter` (reversed on odd iterations). */
    static List<Target> order(int iter) {
        List<Target> l = new ArrayList<>(targets.stream().filter(t -> !failed.containsKey(t.name())).toList());
        if (iter % 2 == 1) {
            java.util.Collections.reverse(l);
        }
        return l;
    }

    interface Step {
        void run() throws Exception;
    }

    /** Run `step` against `t`; a protocol error marks t failed (reported once) instead of aborting. */
    static boolean on(Target t, Step step) throws Exception {
        if (failed.containsKey(t.name())) {
            return false;
        }
        base = t.base();
        try {
            step.run();
            return true;
        } catch (ProtocolError e) {
            System.err.println("PROTOCOL ERROR (" + t.name() + "): " + e.getMessage());
            failed.put(t.name(), e.getMessage().replace('\n', ' '));
            System.out.println(t.name() + ".error=" + failed.get(t.name()));
            return false;
        }
    }

    static void out(Target t, String key, String value) {
        System.out.println(t.name() + "." + key + "=" + value);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            usage();
        }
        String cmd = args[0];
        Map<String, String> opt = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                usage();
            }
            opt.put(args[i].substring(2), args[++i]);
        }
        String[] bases = req(opt, "base").split(",");
        String[] names = opt.getOrDefault("names", "").isEmpty() ? new String[0] : opt.get("names").split(",");
        for (int i = 0; i < bases.length; i++) {
            targets.add(new Target(i < names.length ? names[i] : "s" + i,
                    URI.create(bases[i].replaceAll("/+$", "") + "/")));
        }
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        switch (cmd) {
            case "large" -> large(opt);
            case "small" -> small(opt);
            default -> usage();
        }
        System.exit(failed.size() == targets.size() ? 3 : 0);
    }

    static void usage() {
        System.err.println("usage: RegistryBench large|small --base URL[,URL...] [--names A,B] [--repo R] "
                + "[--size-mib N] [--pushes N] [--pulls N] [--client curl|java] [--tmp DIR] [--images N] [--reps N] "
                + "[--rounds N] [--warmup N] [--seed N]");
        System.exit(2);
    }

    static String req(Map<String, String> opt, String k) {
        String v = opt.get(k);
        if (v == null) {
            usage();
        }
        return v;
    }

    static int intOpt(Map<String, String> opt, String k, int def) {
        return opt.containsKey(k) ? Integer.parseInt(opt.get(k)) : def;
    }

    static final class ProtocolError extends RuntimeException {
        ProtocolError(String m) {
            super(m);
        }
    }

    // ---------------------------------------------------------------- data

    /** Deterministic content: `blocks` full blocks plus `tail` bytes, distinct per seed. */
    record Content(long seed, long size) {
        static final byte[] BASE = baseBlock();

        static byte[] baseBlock() {
            byte[] b = new byte[BLOCK];
            long x = 0x9E3779B97F4A7C15L;
            for (int i = 0; i < b.length; i += 8) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                for (int j = 0; j < 8; j++) {
                    b[i + j] = (byte) (x >>> (8 * j));
                }
            }
            return b;
        }

        /** Fill `buf` with block `idx` (length min(BLOCK, remaining)). Returns the length. */
        int block(long idx, byte[] buf) {
            long off = idx * BLOCK;
            int len = (int) Math.min(BLOCK, size - off);
            System.arraycopy(BASE, 0, buf, 0, len);
            byte[] tag = ByteBuffer.allocate(16).putLong(seed).putLong(idx).array();
            System.arraycopy(tag, 0, buf, 0, Math.min(16, len));
            return len;
        }

        long blockCount() {
            return (size + BLOCK - 1) / BLOCK;
        }

        String digest() {
            MessageDigest md = sha256();
            byte[] buf = new byte[BLOCK];
            for (long i = 0; i < blockCount(); i++) {
                md.update(buf, 0, block(i, buf));
            }
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        }

        /** Write the content to `file`, hashing as it goes; returns the digest. */
        String writeTo(Path file) throws IOException {
            MessageDigest md = sha256();
            byte[] buf = new byte[BLOCK];
            try (OutputStream out = Files.newOutputStream(file)) {
                for (long i = 0; i < blockCount(); i++) {
                    int n = block(i, buf);
                    md.update(buf, 0, n);
                    out.write(buf, 0, n);
                }
            }
            return "sha256:" + HexFormat.of().formatHex(md.digest());
        }

        byte[] bytes() {
            if (size > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("too large for memory");
            }
            byte[] out = new byte[(int) size];
            byte[] buf = new byte[BLOCK];
            for (long i = 0; i < blockCount(); i++) {
                int n = block(i, buf);
                System.arraycopy(buf, 0, out, (int) (i * BLOCK), n);
            }
            return out;
        }

        /** Streaming publisher with a known Content-Length that regenerates the bytes block by block. */
        HttpRequest.BodyPublisher publisher() {
            Flow.Publisher<ByteBuffer> p = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
                long next = 0;
                long demand = 0;
                boolean done = false;
                boolean draining = false; // guards against re-entrant request() from onNext
                final byte[] buf = new byte[BLOCK];

                @Override
                public synchronized void request(long n) {
                    demand = (demand + n < 0) ? Long.MAX_VALUE : demand + n;
                    if (draining) {
                        return;
                    }
                    draining = true;
                    try {
                        while (demand > 0 && !done) {
                            if (next >= blockCount()) {
                                break;
                            }
                            demand--;
                            int len = block(next++, buf);
                            // the client may hold on to the buffer, so hand it a copy
                            subscriber.onNext(ByteBuffer.wrap(Arrays.copyOf(buf, len)));
                        }
                        if (!done && next >= blockCount()) {
                            done = true;
                            subscriber.onComplete();
                        }
                    } finally {
                        draining = false;
                    }
                }

                @Override
                public synchronized void cancel() {
                    done = true;
                }
            });
            return HttpRequest.BodyPublishers.fromPublisher(p, size);
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String digestOf(byte[] b) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(b));
    }

    // ---------------------------------------------------------------- protocol

    static URI uri(String path) {
        return base.resolve(path.startsWith("/") ? path.substring(1) : path);
    }

    static String describe(HttpRequest r, HttpResponse<?> resp, String expected) {
        Object body = resp.body();
        String b = body instanceof String s ? s : body instanceof byte[] bs ? new String(bs, StandardCharsets.UTF_8) : "";
        if (b.length() > 300) {
            b = b.substring(0, 300) + "...";
        }
        return r.method() + " " + r.uri() + " -> expected " + expected + ", got " + resp.statusCode()
                + " headers=" + resp.headers().map() + " body=" + b.replace('\n', ' ');
    }

    static <T> HttpResponse<T> send(HttpRequest r, HttpResponse.BodyHandler<T> h) {
        try {
            return client.send(r, h);
        } catch (IOException e) {
            throw new ProtocolError(r.method() + " " + r.uri() + " -> I/O error: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolError("interrupted");
        }
    }

    static HttpResponse<String> expect(HttpRequest r, int... codes) {
        HttpResponse<String> resp = send(r, HttpResponse.BodyHandlers.ofString());
        for (int c : codes) {
            if (resp.statusCode() == c) {
                return resp;
            }
        }
        throw new ProtocolError(describe(r, resp, Arrays.toString(codes)));
    }

    static URI location(HttpRequest r, HttpResponse<?> resp) {
        String loc = resp.headers().firstValue("Location")
                .orElseThrow(() -> new ProtocolError(describe(r, resp, "a Location header")));
        return r.uri().resolve(loc);
    }

    static URI withDigest(URI loc, String digest) {
        String s = loc.toString();
        return URI.create(s + (s.contains("?") ? "&" : "?") + "digest=" + digest);
    }

    static URI startUpload(String repo) {
        HttpRequest r = HttpRequest.newBuilder(uri("/v2/" + repo + "/blobs/uploads/"))
                .timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.noBody()).build();
        HttpResponse<String> resp = expect(r, 202);
        return location(r, resp);
    }

    static void checkCreated(HttpRequest r, HttpResponse<String> resp, String repo, String digest) {
        String d = resp.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (d != null && !d.equals(digest)) {
            throw new ProtocolError(describe(r, resp, "Docker-Content-Digest " + digest));
        }
        // Location of the blob is required by the spec; don't fail on it, just check it is present
        if (resp.headers().firstValue("Location").isEmpty()) {
            System.err.println("warning: " + r.method() + " " + r.uri() + " -> 201 without Location header");
        }
    }

    /** POST, then one streamed PATCH with the whole body, then PUT ?digest= with an empty body. */
    static void pushStreamed(String repo, Content c, String digest) {
        URI loc = startUpload(repo);
        HttpRequest patch = HttpRequest.newBuilder(loc).timeout(TIMEOUT)
                .header("Content-Type", "application/octet-stream")
                .method("PATCH", c.publisher()).build();
        HttpResponse<String> pr = expect(patch, 202);
        String range = pr.headers().firstValue("Range").orElse(null);
        if (range == null || !range.equals("0-" + (c.size() - 1))) {
            System.err.println("warning: PATCH " + loc + " -> Range header " + range + ", expected 0-" + (c.size() - 1));
        }
        URI loc2 = location(patch, pr);
        HttpRequest put = HttpRequest.newBuilder(withDigest(loc2, digest)).timeout(TIMEOUT)
                .PUT(HttpRequest.BodyPublishers.noBody()).build();
        checkCreated(put, expect(put, 201), repo, digest);
    }

    /** POST, then PUT ?digest= carrying the whole body (monolithic, as containerd does for small blobs). */
    static void pushMonolithic(String repo, byte[] body, String digest) {
        URI loc = startUpload(repo);
        HttpRequest put = HttpRequest.newBuilder(withDigest(loc, digest)).timeout(TIMEOUT)
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        checkCreated(put, expect(put, 201), repo, digest);
    }

    static void putManifest(String repo, String tag, byte[] manifest) {
        HttpRequest r = HttpRequest.newBuilder(uri("/v2/" + repo + "/manifests/" + tag)).timeout(TIMEOUT)
                .header("Content-Type", OCI_MANIFEST)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build();
        HttpResponse<String> resp = expect(r, 201);
        String want = digestOf(manifest);
        String got = resp.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (got != null && !got.equals(want)) {
            throw new ProtocolError(describe(r, resp, "Docker-Content-Digest " + want));
        }
    }

    /** GET a blob, read it fully; returns bytes read. Optionally verifies the digest. */
    static long pullBlob(String repo, String digest, long expectLen, boolean verify) {
        HttpRequest r = HttpRequest.newBuilder(uri("/v2/" + repo + "/blobs/" + digest)).timeout(TIMEOUT).GET().build();
        HttpResponse<InputStream> resp = send(r, HttpResponse.BodyHandlers.ofInputStream());
        long n = 0;
        MessageDigest md = verify ? sha256() : null;
        try (InputStream in = resp.body()) {
            if (resp.statusCode() != 200) {
                String body = new String(in.readNBytes(300), StandardCharsets.UTF_8);
                throw new ProtocolError(r.method() + " " + r.uri() + " -> expected 200, got " + resp.statusCode()
                        + " headers=" + resp.headers().map() + " body=" + body);
            }
            byte[] buf = new byte[256 * 1024];
            int k;
            while ((k = in.read(buf)) > 0) {
                n += k;
                if (md != null) {
                    md.update(buf, 0, k);
                }
            }
        } catch (IOException e) {
            throw new ProtocolError(r.method() + " " + r.uri() + " -> I/O error reading body: " + e);
        }
        if (n != expectLen) {
            throw new ProtocolError("GET " + r.uri() + " -> body of " + n + " bytes, expected " + expectLen);
        }
        long cl = resp.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (cl != -1 && cl != expectLen) {
            throw new ProtocolError("GET " + r.uri() + " -> Content-Length " + cl + ", expected " + expectLen);
        }
        if (md != null) {
            String got = "sha256:" + HexFormat.of().formatHex(md.digest());
            if (!got.equals(digest)) {
                throw new ProtocolError("GET " + r.uri() + " -> body digest " + got + ", expected " + digest);
            }
        }
        return n;
    }

    // ---------------------------------------------------------------- measurements

    static double mbps(long bytes, long nanos) {
        return (bytes / 1e6) / (nanos / 1e9);
    }

    static String f(double d) {
        return String.format("%.1f", d);
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static void large(Map<String, String> opt) throws Exception {
        int sizeMib = intOpt(opt, "size-mib", 256);
        int pushes = intOpt(opt, "pushes", 3);
        int pulls = intOpt(opt, "pulls", 5);
        long seed = intOpt(opt, "seed", 1);
        String repo = opt.getOrDefault("repo", "bench/large");
        String transport = opt.getOrDefault("client", "curl");
        Path tmp = Path.of(opt.getOrDefault("tmp", System.getProperty("java.io.tmpdir")));
        long size = (long) sizeMib * BLOCK;
        boolean curl = transport.equals("curl");
        if (!curl && !transport.equals("java")) {
            usage();
        }

        Map<String, List<Double>> pushRates = new HashMap<>();
        Map<String, List<Double>> pullRates = new HashMap<>();
        String lastDigest = null;
        Path file = tmp.resolve("large-" + ProcessHandle.current().pid() + ".bin");
        try {
            for (int i = 0; i < pushes; i++) {
                Content c = new Content(seed * 1000 + i, size);
                // hashed (and for curl written to a file) before the timed uploads; same bytes for every server
                String d = curl ? c.writeTo(file) : c.digest();
                int iter = i;
                for (Target t : order(i)) {
                    on(t, () -> {
                        long t0 = System.nanoTime();
                        if (curl) {
                            pushStreamedCurl(repo, file, size, d);
                        } else {
                            pushStreamed(repo, c, d);
                        }
                        long dt = System.nanoTime() - t0;
                        pushRates.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(mbps(size, dt));
                        System.err.printf("%s large push %d (%s): %d MiB in %.2f s = %s MB/s%n", t.name(), iter, transport,
                                sizeMib, dt / 1e9, f(mbps(size, dt)));
                    });
                }
                lastDigest = d;
            }
        } finally {
            Files.deleteIfExists(file);
        }
        String digest = lastDigest;
        // one untimed pull per server that checks the digest, then timed pulls that only count bytes
        for (Target t : order(0)) {
            on(t, () -> {
                if (curl) {
                    pullBlobCurl(repo, digest, size, true);
                } else {
                    pullBlob(repo, digest, size, true);
                }
            });
        }
        for (int i = 0; i < pulls; i++) {
            int iter = i;
            for (Target t : order(i)) {
                on(t, () -> {
                    long dt;
                    if (curl) {
                        dt = pullBlobCurl(repo, digest, size, false);
                    } else {
                        long t0 = System.nanoTime();
                        pullBlob(repo, digest, size, false);
                        dt = System.nanoTime() - t0;
                    }
                    pullRates.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(mbps(size, dt));
                    System.err.printf("%s large pull %d (%s): %.2f s = %s MB/s%n", t.name(), iter, transport, dt / 1e9,
                            f(mbps(size, dt)));
                });
            }
        }
        for (Target t : order(0)) {
            out(t, "large_client", transport);
            out(t, "large_push_mbps", f(median(pushRates.get(t.name()))));
            out(t, "large_pull_mbps", f(median(pullRates.get(t.name()))));
        }
    }

    // ---------------------------------------------------------------- curl transport for the large blob
    // java.net.http tops out around 0.5 GB/s per stream on this machine, which would cap the large-blob
    // numbers of both registries; curl streams several times faster, so it carries the large bodies.

    static List<String> curlBase() {
        // -H 'Expect:' : no 100-continue round trip (docker/containerd don't send it either)
        return new ArrayList<>(List.of("curl", "-s", "-S", "--http1.1", "-H", "Expect:", "--max-time", "300"));
    }

    static String run(List<String> cmd, Path stdout) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        if (stdout != null) {
            pb.redirectOutput(stdout.toFile());
        }
        Process p = pb.start();
        String out = stdout == null ? new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) : "";
        if (p.waitFor() != 0) {
            throw new ProtocolError(String.join(" ", cmd) + " -> curl exit " + p.exitValue());
        }
        return out;
    }

    /** POST (java.net.http), PATCH streaming the file with curl, PUT ?digest= (java.net.http). */
    static void pushStreamedCurl(String repo, Path file, long size, String digest) throws Exception {
        URI loc = startUpload(repo);
        Path hdr = Files.createTempFile("patch", ".hdr");
        try {
            List<String> cmd = curlBase();
            cmd.addAll(List.of("-X", "PATCH", "-H", "Content-Type: application/octet-stream", "-T", file.toString(),
                    "-D", hdr.toString(), "-o", "/dev/null", "-w", "%{http_code}", loc.toString()));
            String code = run(cmd, null).trim();
            String headers = Files.readString(hdr);
            if (!code.equals("202")) {
                throw new ProtocolError("PATCH " + loc + " (" + size + " bytes) -> expected 202, got " + code
                        + " headers=" + headers.replace("\r\n", " | "));
            }
            String location = null;
            String range = null;
            for (String line : headers.split("\r?\n")) {
                int c = line.indexOf(':');
                if (c > 0) {
                    String k = line.substring(0, c).trim().toLowerCase();
                    String v = line.substring(c + 1).trim();
                    if (k.equals("location")) {
                        location = v;
                    } else if (k.equals("range")) {
                        range = v;
                    }
                }
            }
            if (location == null) {
                throw new ProtocolError("PATCH " + loc + " -> 202 without Location header");
            }
            if (range == null || !range.equals("0-" + (size - 1))) {
                System.err.println("warning: PATCH " + loc + " -> Range header " + range + ", expected 0-" + (size - 1));
            }
            URI loc2 = loc.resolve(location);
            HttpRequest put = HttpRequest.newBuilder(withDigest(loc2, digest)).timeout(TIMEOUT)
                    .PUT(HttpRequest.BodyPublishers.noBody()).build();
            checkCreated(put, expect(put, 201), repo, digest);
        } finally {
            Files.deleteIfExists(hdr);
        }
    }

    /** GET the blob with curl; returns curl's time_total in ns. verify=true pipes the body through sha256. */
    static long pullBlobCurl(String repo, String digest, long size, boolean verify) throws Exception {
        URI u = uri("/v2/" + repo + "/blobs/" + digest);
        List<String> cmd = curlBase();
        cmd.add("-L");
        if (verify) {
            cmd.addAll(List.of("-f", u.toString()));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            MessageDigest md = sha256();
            long n = 0;
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[1 << 20];
                int k;
                while ((k = in.read(buf)) > 0) {
                    md.update(buf, 0, k);
                    n += k;
                }
            }
            if (p.waitFor() != 0) {
                throw new ProtocolError("GET " + u + " -> curl exit " + p.exitValue() + " (HTTP error or I/O)");
            }
            String got = "sha256:" + HexFormat.of().formatHex(md.digest());
            if (n != size || !got.equals(digest)) {
                throw new ProtocolError("GET " + u + " -> " + n + " bytes with digest " + got + ", expected " + size
                        + " bytes with " + digest);
            }
            return 0;
        }
        cmd.addAll(List.of("-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}", u.toString()));
        String[] w = run(cmd, null).trim().split(" ");
        if (!w[0].equals("200") || Long.parseLong(w[1]) != size) {
            throw new ProtocolError("GET " + u + " -> status " + w[0] + ", " + w[1] + " bytes; expected 200 and " + size);
        }
        return (long) (Double.parseDouble(w[2]) * 1e9);
    }

    record Blob(String digest, long size, String mediaType) {
    }

    record Image(String repo, String tag, List<Blob> blobs, byte[] manifest) {
    }


    /** Deterministic set of small images: config + 1-2 layers (16 KiB .. 1 MiB each) + OCI manifest. */
    static List<Image> generate(String prefix, int images, long seed, Map<String, byte[]> content) {
        List<Image> imgs = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            List<Blob> layers = new ArrayList<>();
            int nLayers = 1 + (i % 2);
            for (int l = 0; l < nLayers; l++) {
                long h = mix(seed * 1_000_003L + i * 31L + l);
                long sz = 16 * 1024 + Math.floorMod(h, 1024 * 1024 - 16 * 1024);
                byte[] b = new Content(h, sz).bytes();
                String d = digestOf(b);
                content.put(d, b);
                layers.add(new Blob(d, b.length, OCI_LAYER));
            }
            StringBuilder diffIds = new StringBuilder();
            for (Blob l : layers) {
                diffIds.append(diffIds.isEmpty() ? "" : ",").append('"').append(l.digest()).append('"');
            }
            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2026-01-01T00:00:00Z\","
                    + "\"config\":{\"Env\":[\"IMAGE=" + prefix + "-" + i + "\"]},"
                    + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
            String cd = digestOf(config);
            content.put(cd, config);
            StringBuilder m = new StringBuilder();
            m.append("{\"schemaVersion\":2,\"mediaType\":\"").append(OCI_MANIFEST).append("\",")
                    .append("\"config\":{\"mediaType\":\"").append(OCI_CONFIG).append("\",\"digest\":\"")
                    .append(cd).append("\",\"size\":").append(config.length).append("},\"layers\":[");
            for (int l = 0; l < layers.size(); l++) {
                Blob b = layers.get(l);
                m.append(l == 0 ? "" : ",").append("{\"mediaType\":\"").append(OCI_LAYER).append("\",\"digest\":\"")
                        .append(b.digest()).append("\",\"size\":").append(b.size()).append('}');
            }
            m.append("]}");
            List<Blob> all = new ArrayList<>();
            all.add(new Blob(cd, config.length, OCI_CONFIG));
            all.addAll(layers);
            imgs.add(new Image(prefix + "-" + i, "v1", all, m.toString().getBytes(StandardCharsets.UTF_8)));
        }
        return imgs;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Push all images at once, one virtual thread per image; returns elapsed ns. */
    static long pushAll(List<Image> imgs, Map<String, byte[]> content) throws Exception {
        long t0 = System.nanoTime();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (Image img : imgs) {
                fs.add(ex.submit(() -> {
                    for (Blob b : img.blobs()) {
                        pushMonolithic(img.repo(), content.get(b.digest()), b.digest());
                    }
                    putManifest(img.repo(), img.tag(), img.manifest());
                    return null;
                }));
            }
            for (Future<?> fu : fs) {
                unwrap(fu);
            }
        }
        return System.nanoTime() - t0;
    }

    /** GET every blob of every image at once, one virtual thread per blob; returns elapsed ns. */
    static long pullAll(List<Image> imgs, boolean verify) throws Exception {
        long t0 = System.nanoTime();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (Image img : imgs) {
                for (Blob b : img.blobs()) {
                    fs.add(ex.submit(() -> pullBlob(img.repo(), b.digest(), b.size(), verify)));
                }
            }
            for (Future<?> fu : fs) {
                unwrap(fu);
            }
        }
        return System.nanoTime() - t0;
    }

    static void small(Map<String, String> opt) throws Exception {
        int images = intOpt(opt, "images", 50);
        int reps = intOpt(opt, "reps", 1);
        int rounds = intOpt(opt, "rounds", 5);
        int warmup = intOpt(opt, "warmup", 10);
        long seed = intOpt(opt, "seed", 7);
        String prefix = opt.getOrDefault("repo", "bench/small");

        Map<String, byte[]> content = new HashMap<>();
        // untimed warm-up (JIT of this client and of the server, connection pool): push and pull a few images
        if (warmup > 0) {
            List<Image> warm = generate(prefix + "-warmup", warmup, seed + 1, content);
            for (Target t : order(0)) {
                on(t, () -> {
                    pushAll(warm, content);
                    pullAll(warm, true);
                    pullAll(warm, false);
                });
            }
        }

        // push: `reps` batches of `images` fresh images; every batch goes to each server in turn
        Map<String, List<Double>> pushMbps = new HashMap<>();
        Map<String, List<Double>> pushIps = new HashMap<>();
        List<Image> imgs = null;
        for (int r = 0; r < reps; r++) {
            List<Image> batch = generate(r == 0 ? prefix : prefix + "-rep" + r, images, seed + 100L * r, content);
            long totalBytes = 0;
            for (Image img : batch) {
                for (Blob b : img.blobs()) {
                    totalBytes += b.size();
                }
                totalBytes += img.manifest().length;
            }
            long bytes = totalBytes;
            int rep = r;
            for (Target t : order(r)) {
                on(t, () -> {
                    long ns = pushAll(batch, content);
                    pushMbps.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(mbps(bytes, ns));
                    pushIps.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(images / (ns / 1e9));
                    System.err.printf("%s small push %d: %d images, %.1f MB in %.3f s%n", t.name(), rep, images, bytes / 1e6,
                            ns / 1e9);
                });
            }
            if (r == 0) {
                imgs = batch;
            }
        }

        // verify one manifest round-trips with the Accept header wrk will use; untimed digest-checking pull
        Image probe = imgs.get(0);
        List<Image> pulled = imgs;
        for (Target t : order(0)) {
            on(t, () -> {
                HttpRequest mr = HttpRequest.newBuilder(uri("/v2/" + probe.repo() + "/manifests/" + probe.tag()))
                        .timeout(TIMEOUT).header("Accept", ACCEPT).GET().build();
                HttpResponse<byte[]> mresp = send(mr, HttpResponse.BodyHandlers.ofByteArray());
                if (mresp.statusCode() != 200 || !Arrays.equals(mresp.body(), probe.manifest())) {
                    throw new ProtocolError(describe(mr, mresp, "200 with the exact manifest bytes pushed"));
                }
                String ct = mresp.headers().firstValue("Content-Type").orElse("");
                if (!ct.startsWith(OCI_MANIFEST)) {
                    throw new ProtocolError(describe(mr, mresp, "Content-Type " + OCI_MANIFEST));
                }
                pullAll(pulled, true);
            });
        }

        // pull: `rounds` timed rounds of every blob of the first batch, alternating servers per round
        long blobBytes = 0;
        for (Image img : imgs) {
            for (Blob b : img.blobs()) {
                blobBytes += b.size();
            }
        }
        Map<String, Long> pullNs = new HashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (Target t : order(r)) {
                on(t, () -> pullNs.merge(t.name(), pullAll(pulled, false), Long::sum));
            }
        }
        for (Target t : order(0)) {
            System.err.printf("%s small pull: %d rounds x %.1f MB in %.3f s%n", t.name(), rounds, blobBytes / 1e6,
                    pullNs.get(t.name()) / 1e9);
            out(t, "small_push_mbps", f(median(pushMbps.get(t.name()))));
            out(t, "small_push_images_per_s", f(median(pushIps.get(t.name()))));
            out(t, "small_pull_mbps", f(mbps(blobBytes * rounds, pullNs.get(t.name()))));
            out(t, "manifest_repo", probe.repo());
            out(t, "manifest_tag", probe.tag());
        }
    }

    static void unwrap(Future<?> fu) throws Exception {
        try {
            fu.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof ProtocolError pe) {
                throw pe;
            }
            throw e;
        }
    }
}
