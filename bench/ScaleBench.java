/*
 * ScaleBench: push and pull throughput through one or several Wharf nodes, used by bench/scale.sh.
 *
 * Single-file program for the JDK source launcher (JDK >= 21):
 *   java bench/ScaleBench.java --nodes http://127.0.0.1:P1[,http://127.0.0.1:P2...] --repo NAME [options]
 *
 * The client is the load balancer: every HTTP request goes to the next node in turn (one round-robin counter
 * for all client threads), with no stickiness, so a blob upload's POST, PATCH and PUT usually land on
 * different nodes, as behind a round-robin load balancer. With --affinity upload, the PATCH and PUT of one upload
 * go to the node its upload path hashes to (POSTs and GETs still rotate), like nginx's "hash" on the upload id
 * (see docs/operations.md). With one node in --nodes it is the 1-node baseline.
 *
 * Push: --clients threads push --images images between them (config + --layers layers of --layer-kib KiB each;
 * every layer is POST, one PATCH with the whole body, PUT ?digest=, as docker and containerd stream a layer;
 * then the manifest PUT). Pull: the same threads GET every manifest and every blob once, checking status and
 * size (the push's digest checks already proved the content). All blob bytes are generated and hashed before
 * the clock starts.
 *
 * Output on stdout: push_mbps, push_images_per_s, pull_mbps, pull_requests_per_s (key=value lines).
 */
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

public class ScaleBench {
    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final Duration TIMEOUT = Duration.ofMinutes(5);

    record Blob(String digest, byte[] bytes) {}

    record Image(String tag, Blob config, List<Blob> layers, byte[] manifest) {}

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    static List<URI> nodes;
    static final AtomicLong turn = new AtomicLong();
    static boolean uploadAffinity;

    /** The next node in turn: the client's round-robin load balancer. */
    static URI next(String pathAndQuery) {
        URI node = nodes.get((int) (turn.getAndIncrement() % nodes.size()));
        return node.resolve(pathAndQuery);
    }

    /** Where a request on an upload goes: the next node, or with --affinity upload the one its path hashes to. */
    static URI forUpload(String uploadPath, String pathAndQuery) {
        if (!uploadAffinity) return next(pathAndQuery);
        return nodes.get(Math.floorMod(uploadPath.hashCode(), nodes.size())).resolve(pathAndQuery);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new HashMap<>(Map.of("clients", "6", "images", "12", "layers", "2",
                "layer-kib", "6144", "seed", "1"));
        for (int i = 0; i + 1 < args.length; i += 2) opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        nodes = new ArrayList<>();
        for (String n : opt.get("nodes").split(",")) nodes.add(URI.create(n.endsWith("/") ? n : n + "/"));
        uploadAffinity = opt.getOrDefault("affinity", "none").equals("upload");
        String repo = opt.get("repo");
        int clients = Integer.parseInt(opt.get("clients"));
        int imageCount = Integer.parseInt(opt.get("images"));
        int layers = Integer.parseInt(opt.get("layers"));
        int layerBytes = Integer.parseInt(opt.get("layer-kib")) * 1024;
        long seed = Long.parseLong(opt.get("seed"));

        List<Image> images = new ArrayList<>();
        long blobBytes = 0;
        for (int i = 0; i < imageCount; i++) {
            Image image = image(seed, i, layers, layerBytes);
            images.add(image);
            blobBytes += image.config().bytes().length;
            for (Blob l : image.layers()) blobBytes += l.bytes().length;
        }

        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            long t0 = System.nanoTime();
            runAll(pool, clients, images, image -> push(repo, image));
            double pushSecs = (System.nanoTime() - t0) / 1e9;

            AtomicLong requests = new AtomicLong();
            long t1 = System.nanoTime();
            runAll(pool, clients, images, image -> requests.addAndGet(pull(repo, image)));
            double pullSecs = (System.nanoTime() - t1) / 1e9;

            double mib = blobBytes / 1048576.0;
            System.out.printf("push_mbps=%.1f%n", mib / pushSecs);
            System.out.printf("push_images_per_s=%.2f%n", imageCount / pushSecs);
            System.out.printf("pull_mbps=%.1f%n", mib / pullSecs);
            System.out.printf("pull_requests_per_s=%.1f%n", requests.get() / pullSecs);
            System.err.printf("[scale-bench] %d node(s), %s: %d images, %.0f MiB: push %.1f s, pull %.1f s%n",
                    nodes.size(), repo, imageCount, mib, pushSecs, pullSecs);
        } finally {
            pool.shutdownNow();
        }
    }

    interface Work {
        void on(Image image) throws Exception;
    }

    /** Images are shared out to the client threads in turn; fails on the first error. */
    static void runAll(ExecutorService pool, int clients, List<Image> images, Work work) throws Exception {
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int first = c;
            done.add(pool.submit(() -> {
                for (int i = first; i < images.size(); i += clients) work.on(images.get(i));
                return null;
            }));
        }
        for (Future<?> f : done) f.get();
    }

    static void push(String repo, Image image) throws Exception {
        pushBlob(repo, image.config());
        for (Blob l : image.layers()) pushBlob(repo, l);
        HttpResponse<String> put = send(HttpRequest.newBuilder(next("v2/" + repo + "/manifests/" + image.tag()))
                .header("Content-Type", MANIFEST).PUT(HttpRequest.BodyPublishers.ofByteArray(image.manifest())));
        expect(put, 201, "manifest PUT");
    }

    /** POST, one PATCH with the whole blob, PUT ?digest= ; each request to the next node (see --affinity). */
    static void pushBlob(String repo, Blob blob) throws Exception {
        HttpResponse<String> started = send(HttpRequest.newBuilder(next("v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        expect(started, 202, "POST upload");
        String location = relative(started.headers().firstValue("Location").orElseThrow());
        String uploadPath = location.replaceFirst("\\?.*", "");
        HttpResponse<String> patched = send(HttpRequest.newBuilder(forUpload(uploadPath, location))
                .header("Content-Type", "application/octet-stream")
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(blob.bytes())));
        expect(patched, 202, "PATCH");
        String after = relative(patched.headers().firstValue("Location").orElseThrow());
        String put = after + (after.contains("?") ? "&" : "?") + "digest=" + blob.digest();
        expect(send(HttpRequest.newBuilder(forUpload(uploadPath, put)).PUT(HttpRequest.BodyPublishers.noBody())), 201,
                "PUT");
    }

    /** GET the manifest and every blob; returns the number of requests. */
    static long pull(String repo, Image image) throws Exception {
        HttpResponse<byte[]> m = HTTP.send(HttpRequest.newBuilder(next("v2/" + repo + "/manifests/" + image.tag()))
                .header("Accept", MANIFEST).timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (m.statusCode() != 200) throw new IOException("manifest GET: " + m.statusCode());
        long n = 1;
        List<Blob> blobs = new ArrayList<>(image.layers());
        blobs.add(0, image.config());
        for (Blob b : blobs) {
            HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(next("v2/" + repo + "/blobs/" + b.digest()))
                    .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200 || r.body().length != b.bytes().length) {
                throw new IOException("blob GET " + b.digest() + ": " + r.statusCode() + ", " + r.body().length + " bytes");
            }
            n++;
        }
        return n;
    }

    static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void expect(HttpResponse<String> r, int status, String what) throws IOException {
        if (r.statusCode() != status) {
            throw new IOException(what + " on " + r.uri() + ": " + r.statusCode() + " " + r.body());
        }
    }

    /** Wharf answers relative Locations; an absolute one is reduced to its path so the next node gets it. */
    static String relative(String location) {
        URI u = URI.create(location);
        String path = u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        return path.startsWith("/") ? path.substring(1) : path;
    }

    static Image image(long seed, int index, int layerCount, int layerBytes) throws Exception {
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + index);
        List<Blob> layers = new ArrayList<>();
        for (int l = 0; l < layerCount; l++) {
            byte[] bytes = new byte[layerBytes];
            random.nextBytes(bytes);
            layers.add(blob(bytes));
        }
        Blob config = blob(("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created_by\":\"scale-bench " + seed + "/"
                + index + "\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}").getBytes(StandardCharsets.UTF_8));
        StringBuilder m = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST + "\",\"config\":")
                .append(descriptor("application/vnd.oci.image.config.v1+json", config)).append(",\"layers\":[");
        for (int l = 0; l < layers.size(); l++) {
            if (l > 0) m.append(',');
            m.append(descriptor("application/vnd.oci.image.layer.v1.tar", layers.get(l)));
        }
        m.append("]}");
        return new Image("i" + index, config, layers, m.toString().getBytes(StandardCharsets.UTF_8));
    }

    static String descriptor(String mediaType, Blob b) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + b.digest() + "\",\"size\":" + b.bytes().length + "}";
    }

    static Blob blob(byte[] bytes) throws Exception {
        return new Blob("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), bytes);
    }
}
