package dev.wharf.auth;

import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashing. Hashes are PHC strings ({@code $argon2id$v=19$m=...,t=...,p=...$salt$hash}, salt and
 * hash in unpadded standard Base64) that carry their own parameters, so raising the cost later still verifies old
 * hashes ({@link #needsRehash} tells when to re-hash on the next successful login).
 *
 * <p>The hash itself is Bouncy Castle's Argon2 (already here for PEM parsing). Each hash allocates its memory
 * cost on the heap and drops it when done. (An earlier library kept a zeroed copy of the whole memory cost for
 * every parameter set it had seen, for the life of the process: 20 MB of a 128 MB heap held for nothing.)
 */
public final class PasswordHasher {

    /** OWASP's first Argon2id choice: 19 MiB, 2 passes, 1 lane. */
    public static final int DEFAULT_MEMORY_KIB = 19 * 1024;
    public static final int DEFAULT_ITERATIONS = 2;
    public static final int DEFAULT_PARALLELISM = 1;

    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final int VERSION = Argon2Parameters.ARGON2_VERSION_13; // 0x13 = 19, the current version
    /**
     * Limits on what a stored hash may ask for. A hash needs its memory cost on the heap, so a row claiming more
     * (corrupt, or written by something else) must fail as a wrong password, not exhaust the heap.
     */
    private static final int MAX_MEMORY_KIB = 256 * 1024;
    private static final int MAX_ITERATIONS = 64;
    private static final int MAX_PARALLELISM = 16;
    private static final int MIN_HASH_BYTES = 16;
    private static final int MAX_HASH_BYTES = 64;
    private static final Pattern PHC = Pattern.compile(
            "\\$argon2id\\$v=(\\d{1,3})\\$m=(\\d{1,7}),t=(\\d{1,3}),p=(\\d{1,3})\\$([A-Za-z0-9+/]{11,64})\\$([A-Za-z0-9+/]{22,88})");
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Hashes running at once in this process. Each one holds its memory cost (19 MiB by default) on the heap for
     * its whole run, so without a bound a burst of logins (or of wrong Basic passwords) could exhaust the small
     * heap the launcher gives a node; the CPU is the limit anyway, so waiting costs no throughput. At most one
     * per core (at least two), and no more than half the heap's maximum can hold.
     */
    private static final Semaphore RUNNING = new Semaphore(concurrentHashes(Runtime.getRuntime().maxMemory(),
            Runtime.getRuntime().availableProcessors(), DEFAULT_MEMORY_KIB), true);

    private final Params params;

    public PasswordHasher(int memoryKib, int iterations, int parallelism) {
        if (memoryKib < 8 * parallelism || iterations < 1 || parallelism < 1) {
            throw new IllegalArgumentException("invalid Argon2 parameters");
        }
        this.params = new Params(VERSION, memoryKib, iterations, parallelism);
    }

    public static PasswordHasher defaults() {
        return new PasswordHasher(DEFAULT_MEMORY_KIB, DEFAULT_ITERATIONS, DEFAULT_PARALLELISM);
    }

    /** How many hashes of MEMORY_KIB may run at once in a heap of MAX_HEAP bytes on CPUS cores. */
    static int concurrentHashes(long maxHeap, int cpus, int memoryKib) {
        long fitting = maxHeap / 2 / (memoryKib * 1024L);
        return (int) Math.max(1, Math.min(Math.max(2, cpus), fitting));
    }

    /** A new PHC string with a fresh random salt. */
    public String hash(CharSequence password) {
        Objects.requireNonNull(password, "password");
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        byte[] hash = compute(params, password, salt, HASH_BYTES);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return "$argon2id$v=" + params.version + "$m=" + params.memoryKib + ",t=" + params.iterations + ",p="
                + params.parallelism + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(hash);
    }

    /**
     * Whether the password matches the PHC string, comparing the hashes in constant time. False (never an
     * exception) for anything that is not an Argon2id PHC string within the limits above, so a corrupt row is just
     * a failed login.
     */
    public boolean verify(CharSequence password, String encoded) {
        if (password == null) return false;
        Parsed stored = parse(encoded);
        if (stored == null) return false;
        byte[] actual = compute(stored.params, password, stored.salt, stored.hash.length);
        return MessageDigest.isEqual(actual, stored.hash);
    }

    /** True when the hash was made with other parameters than this hasher's (or is not a hash at all). */
    public boolean needsRehash(String encoded) {
        Parsed stored = parse(encoded);
        return stored == null || !stored.params.equals(params) || stored.hash.length != HASH_BYTES;
    }

    private static byte[] compute(Params p, CharSequence password, byte[] salt, int length) {
        byte[] secret = utf8(password);
        byte[] out = new byte[length];
        RUNNING.acquireUninterruptibly();
        try {
            // init allocates the memory cost; the generator (and with it that memory) is garbage once this returns
            Argon2BytesGenerator generator = new Argon2BytesGenerator();
            generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id).withVersion(p.version)
                    .withMemoryAsKB(p.memoryKib).withIterations(p.iterations).withParallelism(p.parallelism)
                    .withSalt(salt).build());
            generator.generateBytes(secret, out);
        } finally {
            RUNNING.release();
            Arrays.fill(secret, (byte) 0);
        }
        return out;
    }

    private static byte[] utf8(CharSequence text) {
        var buffer = StandardCharsets.UTF_8.encode(CharBuffer.wrap(text));
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        if (buffer.hasArray()) Arrays.fill(buffer.array(), (byte) 0);
        return bytes;
    }

    private static Parsed parse(String encoded) {
        if (encoded == null) return null;
        Matcher m = PHC.matcher(encoded);
        if (!m.matches()) return null;
        int version = Integer.parseInt(m.group(1));
        int memory = Integer.parseInt(m.group(2));
        int iterations = Integer.parseInt(m.group(3));
        int parallelism = Integer.parseInt(m.group(4));
        if ((version != Argon2Parameters.ARGON2_VERSION_13 && version != Argon2Parameters.ARGON2_VERSION_10)
                || parallelism < 1 || parallelism > MAX_PARALLELISM || memory < 8 * parallelism
                || memory > MAX_MEMORY_KIB || iterations < 1 || iterations > MAX_ITERATIONS) {
            return null;
        }
        try {
            byte[] salt = Base64.getDecoder().decode(m.group(5));
            byte[] hash = Base64.getDecoder().decode(m.group(6));
            if (salt.length < 8 || hash.length < MIN_HASH_BYTES || hash.length > MAX_HASH_BYTES) return null;
            return new Parsed(new Params(version, memory, iterations, parallelism), salt, hash);
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
    }

    private record Params(int version, int memoryKib, int iterations, int parallelism) {}

    private record Parsed(Params params, byte[] salt, byte[] hash) {}
}
