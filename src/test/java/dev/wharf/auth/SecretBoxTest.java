package dev.wharf.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {

    @TempDir
    Path dir;

    static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void sealsAndOpensWithTheSameContext() {
        SecretBox box = SecretBox.fromBase64(KEY);
        String sealed = box.seal("JBSWY3DPEHPK3PXP", "totp:1");
        assertThat(sealed).doesNotContain("JBSWY3DPEHPK3PXP");
        assertThat(box.openString(sealed, "totp:1")).isEqualTo("JBSWY3DPEHPK3PXP");
        assertThat(box.seal("JBSWY3DPEHPK3PXP", "totp:1")).isNotEqualTo(sealed); // fresh nonce every time
    }

    @Test
    void refusesOtherContextsKeysAndTampering() {
        SecretBox box = SecretBox.fromBase64(KEY);
        String sealed = box.seal("secret", "totp:1");
        assertThatThrownBy(() -> box.open(sealed, "totp:2")).isInstanceOf(IllegalArgumentException.class);
        byte[] other = new byte[32];
        other[0] = 1;
        SecretBox otherBox = SecretBox.fromBase64(Base64.getEncoder().encodeToString(other));
        assertThatThrownBy(() -> otherBox.open(sealed, "totp:1")).isInstanceOf(IllegalArgumentException.class);
        byte[] raw = Base64.getDecoder().decode(sealed);
        raw[raw.length - 1] ^= 1;
        String tampered = Base64.getEncoder().encodeToString(raw);
        assertThatThrownBy(() -> box.open(tampered, "totp:1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> box.open("not base64!", "totp:1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keyMustBe256BitBase64AndIsNeverEchoed() {
        assertThatThrownBy(() -> SecretBox.fromBase64(Base64.getEncoder().encodeToString(new byte[16])))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SecretBox.fromBase64("s3cr3t-value!!"))
                .isInstanceOf(IllegalArgumentException.class)
                .message().doesNotContain("s3cr3t");
    }

    @Test
    void keyFileIsCreatedOwnerOnlyAndReused() throws Exception {
        Path data = dir.resolve("data");
        SecretBox first = SecretBox.load(null, data);
        Path file = data.resolve(SecretBox.KEY_FILE);
        assertThat(file).exists();
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
        assertThat(Base64.getDecoder().decode(Files.readString(file).strip())).hasSize(32);
        String sealed = first.seal("value", "ctx");
        assertThat(SecretBox.load("", data).openString(sealed, "ctx")).isEqualTo("value");
        try (var files = Files.list(data)) {
            assertThat(files).containsExactly(file); // no temporary file left behind
        }
    }

    @Test
    void configuredKeyWinsOverTheFile() {
        SecretBox configured = SecretBox.load(KEY, dir);
        assertThat(dir.resolve(SecretBox.KEY_FILE)).doesNotExist();
        assertThat(SecretBox.fromBase64(KEY).openString(configured.seal("v", "c"), "c")).isEqualTo("v");
    }
}
