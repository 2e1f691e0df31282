package dev.wharf.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {

    // The production parameters, so the test also shows they work; one hash costs well under a second.
    private static final PasswordHasher HASHER = PasswordHasher.defaults();

    @Test
    void roundTrip() {
        String hash = HASHER.hash("correct horse battery staple");
        assertThat(HASHER.verify("correct horse battery staple", hash)).isTrue();
        assertThat(HASHER.verify("correct horse battery stapler", hash)).isFalse();
        assertThat(HASHER.verify("", hash)).isFalse();
    }

    @Test
    void encodingIsArgon2idPhcWithTheOwaspParameters() {
        String hash = HASHER.hash("pässwörd-ünïcode");
        assertThat(hash).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(hash.split("\\$")).hasSize(6);
        assertThat(HASHER.verify("pässwörd-ünïcode", hash)).isTrue();
        assertThat(HASHER.needsRehash(hash)).isFalse();
    }

    @Test
    void saltsDiffer() {
        assertThat(HASHER.hash("same password")).isNotEqualTo(HASHER.hash("same password"));
    }

    @Test
    void malformedOrForeignHashesNeverVerify() {
        assertThat(HASHER.verify("x", null)).isFalse();
        assertThat(HASHER.verify(null, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA")).isFalse();
        assertThat(HASHER.verify("x", "$2a$10$abcdefghijklmnopqrstuv")).isFalse(); // bcrypt
        assertThat(HASHER.verify("x", "$argon2id$garbage")).isFalse();
        assertThat(HASHER.verify("x", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA")).isFalse();
    }

    @Test
    void weakerParametersVerifyButAskForARehash() {
        PasswordHasher weak = new PasswordHasher(1024, 1, 1);
        String hash = weak.hash("old password");
        assertThat(HASHER.verify("old password", hash)).isTrue();
        assertThat(HASHER.needsRehash(hash)).isTrue();
        assertThat(HASHER.needsRehash("not a hash")).isTrue();
    }
}
