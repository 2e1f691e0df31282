package dev.wharf.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Writes OCI image layouts (oci-layout, index.json, blobs/sha256) that skopeo reads with
 * {@code oci:<dir>:<tag>}. Content is seeded, so digests are stable across runs.
 */
public final class OciLayouts {
    public static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String CONFIG = "application/vnd.oci.image.config.v1+json";
    /** Uncompressed tar: the layer digest is also its diff_id, and skopeo copies it as is. */
    public static final String LAYER = "application/vnd.oci.image.layer.v1.tar";
    private static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A single-platform image; {@code blobs} = config then layers. */
    public record Image(String tag, String digest, byte[] manifest, List<String> blobs) {}

    /** A linux/amd64 + linux/arm64 index over two {@link Image}s. */
    public record Index(String tag, String digest, byte[] index, List<Image> images) {}

    private OciLayouts() {}

    /** Adds a linux/amd64 image with one tar layer per size to the layout under {@code tag}. */
    public static Image image(Path layout, String tag, long seed, long... layerSizes) {
        Image image = writeImage(layout, tag, "amd64", seed, layerSizes);
        addRef(layout, tag, MANIFEST, image.digest(), image.manifest().length);
        return image;
    }

    /** Adds an index of two images with distinct layers (same sizes) to the layout under {@code tag}. */
    public static Index multiArch(Path layout, String tag, long seed, long... layerSizes) {
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", INDEX);
        ArrayNode manifests = index.putArray("manifests");
        List<Image> images = new ArrayList<>();
        String[] architectures = {"amd64", "arm64"};
        for (int i = 0; i < architectures.length; i++) {
            Image image = writeImage(layout, tag, architectures[i], seed + i * 1_000_003L, layerSizes);
            images.add(image);
            ObjectNode entry = descriptor(MANIFEST, image.digest(), image.manifest().length);
            entry.putObject("platform").put("architecture", architectures[i]).put("os", "linux");
            manifests.add(entry);
        }
        byte[] bytes = bytes(index);
        String digest = putBlob(layout, bytes);
        addRef(layout, tag, INDEX, digest, bytes.length);
        return new Index(tag, digest, bytes, List.copyOf(images));
    }

    /** The manifest (or index) digest that {@code tag} names in the layout's index.json. */
    public static String digestOf(Path layout, String tag) {
        for (JsonNode ref : read(layout.resolve("index.json")).path("manifests")) {
            if (tag.equals(ref.path("annotations").path(REF_NAME).asText())) {
                return ref.path("digest").asText();
            }
        }
        throw new IllegalArgumentException("no tag " + tag + " in " + layout);
    }

    /**
     * Pulls {@code reference} from {@code registry} with skopeo into {@code into} (tag "1") and says how it differs
     * from {@code image}, pushed from {@code original} with tag "1" (see {@link #differences}); empty when whole.
     */
    public static List<String> pulledBackDifferences(RegistryServer registry, String reference, Path into,
            Path original, Image image) {
        Skopeo.copy(Skopeo.docker(registry, reference), Skopeo.oci(into, "1"));
        return differences(into, "1", original, image);
    }

    /**
     * How the copy of {@code image} at {@code copy} (tag {@code tag}) differs from the layout it was made from: a
     * wrong manifest digest, or a blob missing or not byte for byte the same. Empty when it is the same image.
     */
    public static List<String> differences(Path copy, String tag, Path original, Image image) {
        List<String> out = new ArrayList<>();
        String digest = digestOf(copy, tag);
        if (!digest.equals(image.digest())) out.add("manifest " + digest + " instead of " + image.digest());
        for (String b : image.blobs()) {
            try {
                if (!Arrays.equals(Files.readAllBytes(blob(copy, b)), Files.readAllBytes(blob(original, b)))) {
                    out.add("blob " + b + " differs");
                }
            } catch (IOException e) {
                out.add("blob " + b + ": " + e);
            }
        }
        return out;
    }

    public static Path blob(Path layout, String digest) {
        return layout.resolve("blobs").resolve("sha256").resolve(digest.substring("sha256:".length()));
    }

    /** Every blob digest present in the layout. */
    public static Set<String> blobs(Path layout) {
        try (Stream<Path> files = Files.list(layout.resolve("blobs").resolve("sha256"))) {
            return files.map(f -> "sha256:" + f.getFileName()).collect(TreeSet::new, Set::add, Set::addAll);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String sha256(byte[] bytes) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static Image writeImage(Path layout, String tag, String arch, long seed, long... layerSizes) {
        init(layout);
        List<String> diffIds = new ArrayList<>();
        ArrayNode layers = JSON.createArrayNode();
        for (int i = 0; i < layerSizes.length; i++) {
            String digest = putLayer(layout, "layer" + i + ".bin", layerSizes[i], seed * 31 + i);
            diffIds.add(digest);
            layers.add(descriptor(LAYER, digest, size(blob(layout, digest))));
        }
        ObjectNode config = JSON.createObjectNode().put("architecture", arch).put("os", "linux");
        config.putObject("config").putArray("Cmd").add("/bin/true");
        ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
        diffIds.forEach(rootfs.putArray("diff_ids")::add);
        config.putArray("history").addObject().put("created_by", "wharf-it " + tag + " seed " + seed);
        byte[] configBytes = bytes(config);
        String configDigest = putBlob(layout, configBytes);

        ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MANIFEST);
        manifest.set("config", descriptor(CONFIG, configDigest, configBytes.length));
        manifest.set("layers", layers);
        byte[] manifestBytes = bytes(manifest);
        String manifestDigest = putBlob(layout, manifestBytes);
        List<String> blobs = new ArrayList<>(List.of(configDigest));
        blobs.addAll(diffIds);
        return new Image(tag, manifestDigest, manifestBytes, blobs);
    }

    private static void init(Path layout) {
        try {
            Files.createDirectories(layout.resolve("blobs").resolve("sha256"));
            if (!Files.exists(layout.resolve("oci-layout"))) {
                Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
                Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[]}");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void addRef(Path layout, String tag, String mediaType, String digest, long size) {
        ObjectNode index = (ObjectNode) read(layout.resolve("index.json"));
        ObjectNode ref = descriptor(mediaType, digest, size);
        ref.putObject("annotations").put(REF_NAME, tag);
        ((ArrayNode) index.get("manifests")).add(ref);
        try {
            Files.write(layout.resolve("index.json"), bytes(index));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Streams the tar through SHA-256 into a temp file, so 64 MiB layers never sit in memory. */
    private static String putLayer(Path layout, String fileName, long size, long seed) {
        Path dir = layout.resolve("blobs").resolve("sha256");
        try {
            Path tmp = Files.createTempFile(dir, "layer", ".tmp");
            MessageDigest sha = sha256();
            try (OutputStream out = new DigestOutputStream(
                    new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16), sha)) {
                Tar.writeRandomFile(out, fileName, size, seed);
            }
            String digest = "sha256:" + HexFormat.of().formatHex(sha.digest());
            Files.move(tmp, blob(layout, digest), StandardCopyOption.REPLACE_EXISTING);
            return digest;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String putBlob(Path layout, byte[] bytes) {
        String digest = sha256(bytes);
        try {
            Files.write(blob(layout, digest), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return digest;
    }

    private static ObjectNode descriptor(String mediaType, String digest, long size) {
        return JSON.createObjectNode().put("mediaType", mediaType).put("digest", digest).put("size", size);
    }

    public static JsonNode read(Path json) {
        try {
            return JSON.readTree(json.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
