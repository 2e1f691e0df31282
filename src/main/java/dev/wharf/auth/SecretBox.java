package dev.wharf.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for small secrets kept in the database (TOTP secrets), so a copy of the database alone does not
 * let anyone generate second-factor codes. Sealed values are text: base64 of a version byte, a random 96-bit
 * nonce and the ciphertext with its tag. Callers pass a context (e.g. {@code "totp:42"}) that is authenticated
 * but not stored, so a sealed value copied into another user's row does not open.
 *
 * <p>All nodes of one installation must share the key: set {@code WHARF_SECRET_KEY} (base64 of 32 bytes), or
 * let the first start create {@code <dataDir>/secret.key} and copy it. Losing the key disables 2FA for everyone.
 */
public final class SecretBox {

    public static final String KEY_FILE = "secret.key";
    private static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final byte VERSION = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    private SecretBox(byte[] key) {
        if (key.length != KEY_BYTES) throw new IllegalArgumentException("the secret key must be 32 bytes");
        this.key = new SecretKeySpec(key, "AES");
    }

    /** From a base64 key, e.g. the value of {@code WHARF_SECRET_KEY}. */
    public static SecretBox fromBase64(String base64Key) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64Key.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the secret key is not base64"); // the value itself stays out
        }
        return new SecretBox(raw);
    }

    /**
     * The configured key if there is one, else the key file in {@code dataDir}, created on first use with
     * owner-only permissions (0600 where the file system has POSIX permissions).
     */
    public static SecretBox load(String base64KeyOrNull, Path dataDir) {
        if (base64KeyOrNull != null && !base64KeyOrNull.isBlank()) return fromBase64(base64KeyOrNull);
        return fromKeyFile(dataDir.resolve(KEY_FILE));
    }

    static SecretBox fromKeyFile(Path file) {
        try {
            if (!Files.exists(file)) createKeyFile(file);
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            return fromBase64(text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the secret key file " + file, e);
        }
    }

    private static void createKeyFile(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        byte[] key = new byte[KEY_BYTES];
        RANDOM.nextBytes(key);
        byte[] content = (Base64.getEncoder().encodeToString(key) + "\n").getBytes(StandardCharsets.US_ASCII);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp" + Long.toHexString(RANDOM.nextLong()));
        // Permissions are set at creation, so the key is never readable by others, not even for an instant.
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(ownerOnly));
        } else {
            Files.createFile(temp);
        }
        try {
            Files.write(temp, content, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
            publish(temp, file);
        } catch (FileAlreadyExistsException raced) {
            // keep the winner's key
        } finally {
            Files.deleteIfExists(temp);
            Arrays.fill(key, (byte) 0);
        }
    }

    private static void publish(Path temp, Path file) throws IOException {
        try {
            // A link (not a rename) fails if another process created the key first; then both use that one.
            Files.createLink(file, temp);
        } catch (FileAlreadyExistsException raced) {
            throw raced;
        } catch (UnsupportedOperationException | FileSystemException noHardLinks) {
            // Without hard links, a move that refuses to replace is the next best thing.
            Files.move(temp, file);
        }
    }

    public String seal(byte[] plaintext, String context) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext);
            ByteBuffer out = ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length);
            out.put(VERSION).put(nonce).put(sealed);
            return Base64.getEncoder().encodeToString(out.array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    public String seal(String plaintext, String context) {
        return seal(plaintext.getBytes(StandardCharsets.UTF_8), context);
    }

    /**
     * @throws IllegalArgumentException if the value was not sealed with this key and context, or was altered
     */
    public byte[] open(String sealed, String context) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(sealed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a sealed value");
        }
        if (raw.length < 1 + NONCE_BYTES + TAG_BITS / 8 || raw[0] != VERSION) {
            throw new IllegalArgumentException("not a sealed value");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, raw, 1, NONCE_BYTES));
            cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(raw, 1 + NONCE_BYTES, raw.length - 1 - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new IllegalArgumentException("sealed value does not open with this key and context");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable", e);
        }
    }

    public String openString(String sealed, String context) {
        return new String(open(sealed, context), StandardCharsets.UTF_8);
    }
}
