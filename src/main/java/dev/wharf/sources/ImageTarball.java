package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.content.ManifestService;
import dev.wharf.jobs.JobFailure;
import dev.wharf.model.Digest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Works out what an uploaded image tarball holds and checks it before anything is written: an OCI image layout
 * ({@code oci-layout}, {@code index.json}, {@code blobs/}) or a {@code docker save} archive ({@code manifest.json},
 * a config and layer tars, for which a Docker schema 2 manifest is built). A tar has no index to seek by, so
 * this reads the tarball in a few passes: the small JSON files first, then every blob is hashed. Any blob whose
 * bytes do not match its digest (or, for docker save, a layer whose digest is not the config's diff_id) fails
 * the import here, so a lying tarball never gets a single blob into the registry.
 */
final class ImageTarball {
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar";
    static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    /** Opens the tarball from the start; called once per pass. */
    interface Opener {
        InputStream open() throws IOException;
    }

    record Blob(String path, Digest digest, long size) {}

    record Manifest(String digest, String mediaType, byte[] content) {}

    /** Blobs to store (config and layers, each once), manifests to store by digest first, and the top one. */
    record Plan(List<Blob> blobs, List<Manifest> children, Manifest top) {
        long bytes() {
            return blobs.stream().mapToLong(Blob::size).sum();
        }
    }

    private record Hashed(Digest digest, long size, boolean gzip, Digest uncompressed) {}

    /**
     * A gzip layer may inflate to at most this many times its compressed size (plus {@link #RATIO_SLACK}): real
     * layers stay far below it, and deflate cannot exceed about 1032. The ratio bounds the work per uploaded
     * byte, {@link #MAX_INFLATED_BYTES} the work per import.
     */
    static final int MAX_RATIO = 200;
    static final long RATIO_SLACK = 64L << 20;
    static final long MAX_INFLATED_BYTES = 64L << 30;
    /** Cancellation is checked at least once per this many bytes read or inflated. */
    private static final long CHECK_EVERY = 4L << 20;

    private final Opener opener;
    private final Runnable checkCancelled;
    private final long maxInflated;
    private long inflated; // across all layers of this import

    ImageTarball(Opener opener) {
        this(opener, () -> {}, MAX_INFLATED_BYTES);
    }

    /**
     * @param checkCancelled throws (a {@code JobFailure}) when the job was cancelled; called while reading and
     *     decompressing, so a cancelled import of a large or hostile tarball stops promptly
     * @param maxInflated the most bytes all gzip layers together may inflate to
     */
    ImageTarball(Opener opener, Runnable checkCancelled, long maxInflated) {
        this.opener = opener;
        this.checkCancelled = checkCancelled;
        this.maxInflated = maxInflated;
    }

    /** The tarball from the start, checking cancellation as it is read. */
    private InputStream open() throws IOException {
        return new BufferedInputStream(new Checked(opener.open()), 1 << 16);
    }

    /** Counts the bytes read through it and checks cancellation every {@link #CHECK_EVERY} of them. */
    private final class Checked extends java.io.FilterInputStream {
        long count;
        private long nextCheck = CHECK_EVERY;

        Checked(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) counted(1);
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) counted(n);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            if (skipped > 0) counted(skipped);
            return skipped;
        }

        void counted(long n) {
            count += n;
            if (count >= nextCheck) {
                nextCheck = count + CHECK_EVERY;
                checkCancelled.run();
            }
        }
    }

    /** Inflated bytes of one layer, held to {@link #MAX_RATIO} of {@code compressed} and to the import's total. */
    private final class InflateLimit extends java.io.FilterInputStream {
        private final Checked compressed;
        private final String layer;
        private long count;
        private long nextCheck = CHECK_EVERY;

        InflateLimit(InputStream inflating, Checked compressed, String layer) {
            super(inflating);
            this.compressed = compressed;
            this.layer = layer;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) counted(1);
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) counted(n);
            return n;
        }

        private void counted(long n) {
            count += n;
            inflated += n;
            if (count > compressed.count * MAX_RATIO + RATIO_SLACK) {
                throw JobFailure.permanent("layer " + layer + " decompresses to more than " + MAX_RATIO
                        + " times its size; refusing it as a decompression bomb");
            }
            if (inflated > maxInflated) {
                throw JobFailure.permanent("the tarball's layers decompress to more than " + maxInflated
                        + " bytes in total; refusing it");
            }
            if (count >= nextCheck) {
                nextCheck = count + CHECK_EVERY;
                checkCancelled.run();
            }
        }
    }

    Plan plan() throws IOException {
        Map<String, byte[]> top = read(Set.of("oci-layout", "index.json", "manifest.json"));
        if (top.containsKey("oci-layout") && top.containsKey("index.json")) return oci(top.get("index.json"));
        if (top.containsKey("manifest.json")) return dockerSave(top.get("manifest.json"));
        throw JobFailure.permanent("the tarball is neither an OCI image layout (oci-layout, index.json) nor a"
                + " docker save archive (manifest.json)");
    }

    private Plan oci(byte[] indexJson) throws IOException {
        JsonNode refs = json(indexJson, "index.json").path("manifests");
        if (refs.size() != 1) {
            throw JobFailure.permanent("index.json lists " + refs.size() + " images; upload a layout with exactly one");
        }
        List<Manifest> ordered = new ArrayList<>(); // children before the manifests that list them
        Map<String, Blob> blobs = new LinkedHashMap<>();
        List<JsonNode> level = List.of(refs.get(0));
        Manifest top = null;
        for (int depth = 0; !level.isEmpty(); depth++) {
            if (depth > 3) throw JobFailure.permanent("indexes nest deeper than Wharf follows");
            Map<String, JsonNode> byPath = new LinkedHashMap<>();
            for (JsonNode d : level) byPath.put(blobPath(d.path("digest").asText()), d);
            Map<String, byte[]> contents = read(byPath.keySet());
            List<JsonNode> next = new ArrayList<>();
            List<Manifest> thisLevel = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : byPath.entrySet()) {
                String digest = e.getValue().path("digest").asText();
                byte[] content = contents.get(e.getKey());
                if (content == null) throw JobFailure.permanent("the tarball lacks manifest " + digest);
                if (!Digest.sha256(content).toString().equals(digest)) {
                    throw JobFailure.permanent("manifest " + digest + " in the tarball does not match its digest");
                }
                JsonNode m = json(content, digest);
                String mediaType = m.path("mediaType").asText(e.getValue().path("mediaType").asText());
                Manifest manifest = new Manifest(digest, mediaType, content);
                if (top == null) top = manifest; else thisLevel.add(manifest);
                m.path("manifests").forEach(next::add);
                if (m.has("config")) addBlob(blobs, m.get("config"));
                m.path("layers").forEach(l -> addBlob(blobs, l));
            }
            ordered.addAll(0, thisLevel);
            level = next;
        }
        verify(blobs);
        return new Plan(List.copyOf(blobs.values()), ordered, top);
    }

    private Plan dockerSave(byte[] manifestJson) throws IOException {
        JsonNode entries = json(manifestJson, "manifest.json");
        if (!entries.isArray() || entries.size() != 1) {
            throw JobFailure.permanent("manifest.json must describe exactly one image");
        }
        JsonNode entry = entries.get(0);
        String configPath = entry.path("Config").asText();
        byte[] config = read(Set.of(configPath)).get(configPath);
        if (config == null) throw JobFailure.permanent("the tarball lacks the config " + configPath);
        JsonNode diffIds = json(config, configPath).path("rootfs").path("diff_ids");
        List<String> layerPaths = new ArrayList<>();
        entry.path("Layers").forEach(l -> layerPaths.add(l.asText()));
        if (diffIds.size() != layerPaths.size()) {
            throw JobFailure.permanent("manifest.json lists " + layerPaths.size() + " layers but the config has "
                    + diffIds.size() + " diff_ids");
        }
        Map<String, Hashed> hashed = hash(new HashSet<>(layerPaths), true);
        ObjectNode manifest = Json.MAPPER.createObjectNode().put("schemaVersion", 2).put("mediaType", DOCKER_MANIFEST);
        Digest configDigest = Digest.sha256(config);
        manifest.putObject("config").put("mediaType", DOCKER_CONFIG).put("size", config.length)
                .put("digest", configDigest.toString());
        ArrayNode layers = manifest.putArray("layers");
        Map<String, Blob> blobs = new LinkedHashMap<>();
        blobs.put(configPath, new Blob(configPath, configDigest, config.length));
        for (int i = 0; i < layerPaths.size(); i++) {
            Hashed h = hashed.get(layerPaths.get(i));
            if (h == null) throw JobFailure.permanent("the tarball lacks layer " + layerPaths.get(i));
            if (!h.uncompressed().toString().equals(diffIds.get(i).asText())) {
                throw JobFailure.permanent("layer " + layerPaths.get(i) + " does not match the config's diff_id "
                        + diffIds.get(i).asText());
            }
            layers.addObject().put("mediaType", h.gzip() ? DOCKER_LAYER_GZIP : DOCKER_LAYER).put("size", h.size())
                    .put("digest", h.digest().toString());
            blobs.putIfAbsent(layerPaths.get(i), new Blob(layerPaths.get(i), h.digest(), h.size()));
        }
        byte[] bytes = Json.MAPPER.writeValueAsBytes(manifest);
        return new Plan(List.copyOf(blobs.values()), List.of(),
                new Manifest(Digest.sha256(bytes).toString(), DOCKER_MANIFEST, bytes));
    }

    private static void addBlob(Map<String, Blob> blobs, JsonNode descriptor) {
        String digest = descriptor.path("digest").asText();
        Digest parsed;
        try {
            parsed = Digest.parse(digest);
        } catch (RuntimeException e) {
            throw JobFailure.permanent("a manifest in the tarball names an invalid digest: " + digest);
        }
        blobs.putIfAbsent(blobPath(digest), new Blob(blobPath(digest), parsed, descriptor.path("size").asLong(-1)));
    }

    /** Hashes every blob the manifests name and checks digest and size, before anything is stored. */
    private void verify(Map<String, Blob> blobs) throws IOException {
        Map<String, Hashed> hashed = hash(blobs.keySet(), false);
        for (Blob b : blobs.values()) {
            Hashed h = hashed.get(b.path());
            if (h == null) throw JobFailure.permanent("the tarball lacks blob " + b.digest());
            if (!h.digest().equals(b.digest())) {
                throw JobFailure.permanent("blob " + b.digest() + " in the tarball does not match its digest");
            }
            if (h.size() != b.size()) {
                throw JobFailure.permanent("blob " + b.digest() + " is " + h.size() + " bytes, not " + b.size());
            }
        }
    }

    private static JsonNode json(byte[] content, String what) {
        try {
            JsonNode node = Json.MAPPER.readTree(content);
            if (node == null || !node.isContainerNode()) throw new IOException("not a JSON object or array");
            return node;
        } catch (IOException e) {
            throw JobFailure.permanent(what + " in the tarball is not valid JSON");
        }
    }

    private static String blobPath(String digest) {
        int colon = digest.indexOf(':');
        if (colon < 1 || digest.indexOf('/') >= 0) throw JobFailure.permanent("invalid digest " + digest);
        return "blobs/" + digest.substring(0, colon) + "/" + digest.substring(colon + 1);
    }

    /** The small files among {@code names}; each at most the registry's manifest size limit. */
    private Map<String, byte[]> read(Set<String> names) throws IOException {
        Map<String, byte[]> found = new HashMap<>();
        try (InputStream in = open()) {
            TarReader tar = new TarReader(in);
            for (TarReader.Entry e; (e = tar.next()) != null; ) {
                checkCancelled.run();
                if (!names.contains(e.name()) || found.containsKey(e.name())) continue;
                if (e.size() > ManifestService.MAX_MANIFEST_BYTES) {
                    throw JobFailure.permanent(e.name() + " is larger than " + ManifestService.MAX_MANIFEST_BYTES
                            + " bytes");
                }
                found.put(e.name(), e.content().readAllBytes());
            }
        } catch (TarReader.NotATarException e) {
            throw JobFailure.permanent("the upload is " + e.getMessage());
        }
        return found;
    }

    /** SHA-256 and size of each named entry; with {@code diffIds}, also of a gzip layer's uncompressed bytes. */
    private Map<String, Hashed> hash(Set<String> names, boolean diffIds) throws IOException {
        Map<String, Hashed> out = new HashMap<>();
        try (InputStream in = open()) {
            TarReader tar = new TarReader(in);
            for (TarReader.Entry e; (e = tar.next()) != null; ) {
                checkCancelled.run();
                if (names.contains(e.name()) && !out.containsKey(e.name())) {
                    out.put(e.name(), hashEntry(e.name(), e.content(), e.size(), diffIds));
                }
            }
        } catch (TarReader.NotATarException e) {
            throw JobFailure.permanent("the upload is " + e.getMessage());
        }
        return out;
    }

    private Hashed hashEntry(String name, InputStream content, long size, boolean diffIds) throws IOException {
        MessageDigest sha = Digest.newHasher("sha256");
        Checked compressed = new Checked(new DigestInputStream(content, sha));
        BufferedInputStream in = new BufferedInputStream(compressed, 1 << 16);
        in.mark(2);
        boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
        in.reset();
        Digest uncompressed = null;
        if (gzip && diffIds) {
            MessageDigest plain = Digest.newHasher("sha256");
            // Not closed: closing would close the entry's stream before its trailing bytes are hashed.
            InputStream unzipped = new DigestInputStream(new InflateLimit(new GZIPInputStream(in, 1 << 16),
                    compressed, name), plain);
            try {
                unzipped.transferTo(OutputStream.nullOutputStream());
            } catch (java.util.zip.ZipException e) {
                throw JobFailure.permanent("a layer looks gzip-compressed but is not: " + e.getMessage());
            }
            uncompressed = Digest.fromHasher("sha256", plain);
        }
        in.transferTo(OutputStream.nullOutputStream());
        Digest digest = Digest.fromHasher("sha256", sha);
        return new Hashed(digest, size, gzip, uncompressed == null ? digest : uncompressed);
    }
}
