package dev.wharf.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The console's static files, read from the jar ({@code src/main/resources/console/}) once and kept in memory
 * (they are a few dozen kilobytes), each with a strong ETag so browsers revalidate cheaply.
 */
final class ConsoleAssets {
    private static final String ROOT = "/console/";
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "json", "application/json");

    record Asset(byte[] bytes, String contentType, String etag) {}

    private final Map<String, Optional<Asset>> cache = new ConcurrentHashMap<>();

    /** A file under the console's root by its relative name; empty for anything not there or not allowed. */
    Optional<Asset> find(String relative) {
        if (!relative.matches("[a-z0-9][a-z0-9_./-]*") || relative.contains("..")) return Optional.empty();
        String ext = relative.substring(relative.lastIndexOf('.') + 1);
        String type = TYPES.get(ext);
        if (type == null) return Optional.empty();
        return cache.computeIfAbsent(relative, r -> load(r, type));
    }

    private static Optional<Asset> load(String relative, String type) {
        try (InputStream in = ConsoleAssets.class.getResourceAsStream(ROOT + relative)) {
            if (in == null) return Optional.empty();
            byte[] bytes = in.readAllBytes();
            return Optional.of(new Asset(bytes, type, "\"" + sha256(bytes).substring(0, 32) + "\""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
