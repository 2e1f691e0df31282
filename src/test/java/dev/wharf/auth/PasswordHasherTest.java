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
    void hashesWrittenByThePreviousLibraryStillVerify() {
        // Made by password4j 1.8.4 (Wharf's Argon2 before Bouncy Castle), as stored in existing databases.
        String production = "$argon2id$v=19$m=19456,t=2,p=1$692LI62f+izwO9x5ZPw6Hw$c2vwOK4AUfp+fh+oKJkIkMVV52q7B88fKzBLaxQtbXo";
        String cheap = "$argon2id$v=19$m=1024,t=1,p=1$g+JBv1aNztolnk/wzTnnXQ$f+2S/O3tfGrvZUjE/NsmGCgjdCwhPLe9T0aqJLTpB/w";
        assertThat(HASHER.verify("pässwörd-ünïcode", production)).isTrue();
        assertThat(HASHER.verify("pässwörd-ünïcodE", production)).isFalse();
        assertThat(HASHER.needsRehash(production)).isFalse();
        assertThat(HASHER.verify("pässwörd-ünïcode", cheap)).isTrue();
        assertThat(HASHER.needsRehash(cheap)).isTrue();
    }

    @Test
    void storedHashesAskingForMoreThanTheLimitsNeverVerify() {
        // A row claiming 4 GiB of memory must be a failed login, not an exhausted heap.
        String huge = "$argon2id$v=19$m=4194304,t=2,p=1$692LI62f+izwO9x5ZPw6Hw$c2vwOK4AUfp+fh+oKJkIkMVV52q7B88fKzBLaxQtbXo";
        assertThat(HASHER.verify("pässwörd-ünïcode", huge)).isFalse();
        assertThat(HASHER.needsRehash(huge)).isTrue();
        String manyPasses = "$argon2id$v=19$m=1024,t=999,p=1$g+JBv1aNztolnk/wzTnnXQ$f+2S/O3tfGrvZUjE/NsmGCgjdCwhPLe9T0aqJLTpB/w";
        assertThat(HASHER.verify("pässwörd-ünïcode", manyPasses)).isFalse();
    }

    @Test
    void concurrentHashesFitHalfTheHeapAndTheCores() {
        int mib19 = PasswordHasher.DEFAULT_MEMORY_KIB;
        assertThat(PasswordHasher.concurrentHashes(128L << 20, 2, mib19)).isEqualTo(2);
        assertThat(PasswordHasher.concurrentHashes(128L << 20, 16, mib19)).isEqualTo(3);
        assertThat(PasswordHasher.concurrentHashes(2L << 30, 16, mib19)).isEqualTo(16);
        assertThat(PasswordHasher.concurrentHashes(2L << 30, 1, mib19)).isEqualTo(2);
        assertThat(PasswordHasher.concurrentHashes(24L << 20, 8, mib19)).isEqualTo(1);
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
