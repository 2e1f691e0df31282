package dev.wharf.auth.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.text.ParseException;

/**
 * The ES256 key pair that signs every token Wharf issues (registry tokens, Hub login tokens, 2FA login tokens).
 * Created at first start and kept as a JWK in {@code <data_dir>/keys/token-signing.jwk} with owner-only
 * permissions; written to a temporary file and renamed, so a crash never leaves half a key.
 */
public final class SigningKeys {
    private final ECKey key;

    private SigningKeys(ECKey key) {
        this.key = key;
    }

    public static SigningKeys loadOrCreate(Path dataDir) {
        Path dir = dataDir.resolve("keys");
        Path file = dir.resolve("token-signing.jwk");
        try {
            if (Files.exists(file)) {
                return new SigningKeys(ECKey.parse(Files.readString(file, StandardCharsets.UTF_8)));
            }
            Files.createDirectories(dir);
            ECKey generated = new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate();
            Path tmp = Files.createTempFile(dir, "token-signing", ".tmp");
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException notPosix) {
                // Non-POSIX file systems: rely on the data directory's own permissions.
            }
            Files.writeString(tmp, generated.toJSONString(), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                Files.deleteIfExists(tmp);
            }
            // Another process may have won the race; everyone uses whatever is on disk now.
            return new SigningKeys(ECKey.parse(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load or create the token signing key in " + dir, e);
        } catch (ParseException | JOSEException e) {
            throw new IllegalStateException("the token signing key in " + file + " is unreadable: " + e.getMessage(), e);
        }
    }

    /** For tests: a fresh in-memory key. */
    public static SigningKeys generate() {
        try {
            return new SigningKeys(new ECKeyGenerator(Curve.P_256).keyIDFromThumbprint(true).generate());
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    ECKey key() {
        return key;
    }

    public String keyId() {
        return key.getKeyID();
    }
}
