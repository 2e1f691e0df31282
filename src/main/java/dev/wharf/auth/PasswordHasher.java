package dev.wharf.auth;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;
import java.util.Objects;

/**
 * Argon2id password hashing. Hashes are PHC strings ({@code $argon2id$v=19$m=...,t=...,p=...$salt$hash}) that
 * carry their own parameters, so raising the cost later still verifies old hashes ({@link #needsRehash} tells
 * when to re-hash on the next successful login).
 */
public final class PasswordHasher {

    /** OWASP's first Argon2id choice: 19 MiB, 2 passes, 1 lane. */
    public static final int DEFAULT_MEMORY_KIB = 19 * 1024;
    public static final int DEFAULT_ITERATIONS = 2;
    public static final int DEFAULT_PARALLELISM = 1;

    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final int VERSION = Argon2Function.ARGON2_VERSION_13; // 0x13 = 19, the current version

    /**
     * Hashes running at once in this process. Each one holds its memory cost (19 MiB by default) on the heap for
     * its whole run, so without a bound a burst of logins (or of wrong Basic passwords) could exhaust the small
     * heap the launcher gives a node; the CPU is the limit anyway, so waiting costs no throughput.
     */
    private static final java.util.concurrent.Semaphore RUNNING =
            new java.util.concurrent.Semaphore(Math.max(2, Runtime.getRuntime().availableProcessors()), true);

    private final Argon2Function function;

    public PasswordHasher(int memoryKib, int iterations, int parallelism) {
        if (memoryKib < 8 * parallelism || iterations < 1 || parallelism < 1) {
            throw new IllegalArgumentException("invalid Argon2 parameters");
        }
        this.function = Argon2Function.getInstance(memoryKib, iterations, parallelism, HASH_BYTES, Argon2.ID, VERSION);
    }

    public static PasswordHasher defaults() {
        return new PasswordHasher(DEFAULT_MEMORY_KIB, DEFAULT_ITERATIONS, DEFAULT_PARALLELISM);
    }

    /** A new PHC string with a fresh random salt. */
    public String hash(CharSequence password) {
        Objects.requireNonNull(password, "password");
        RUNNING.acquireUninterruptibly();
        try {
            return Password.hash(password).addRandomSalt(SALT_BYTES).with(function).getResult();
        } finally {
            RUNNING.release();
        }
    }

    /**
     * Whether the password matches the PHC string, comparing the hashes in constant time. False (never an
     * exception) for anything that is not an Argon2id PHC string, so a corrupt row is just a failed login.
     */
    public boolean verify(CharSequence password, String encoded) {
        if (password == null || encoded == null || !encoded.startsWith("$argon2id$")) return false;
        RUNNING.acquireUninterruptibly();
        try {
            return Password.check(password, encoded).with(Argon2Function.getInstanceFromHash(encoded));
        } catch (RuntimeException malformed) {
            return false;
        } finally {
            RUNNING.release();
        }
    }

    /** True when the hash was made with other parameters than this hasher's. */
    public boolean needsRehash(String encoded) {
        try {
            return !Argon2Function.getInstanceFromHash(encoded).equals(function);
        } catch (RuntimeException malformed) {
            return true;
        }
    }
}
