package dev.wharf.auth.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.text.ParseException;
import java.util.Optional;
import java.util.function.Supplier;
import dev.wharf.auth.ComputedAhead;
import dev.wharf.auth.SecretBox;
import dev.wharf.storage.meta.Database;

/**
 * The ES256 key pair that signs every token Wharf issues (registry tokens, Hub login tokens, 2FA login tokens).
 * Created at first start and kept in the metadata database, sealed with the {@link SecretBox} key, so every node
 * of a cluster signs and verifies with the same key.
 */
public final class SigningKeys {
    private final ECKey key;

    private SigningKeys(ECKey key) {
        this.key = key;
    }

    private static final String KEY_ID = "token-signing";

    /**
     * Loads the cluster's key from the database, creating it on the very first start. Several nodes starting at
     * once race on the insert; the loser reads the winner's key.
     */
    public static SigningKeys loadOrCreate(Database database, SecretBox box) {
        return loadOrCreate(database, box, SigningKeys::generate);
    }

    /** As {@link #loadOrCreate(Database, SecretBox)}, taking a key from {@code fresh} when none is stored. */
    public static SigningKeys loadOrCreate(Database database, SecretBox box, Supplier<SigningKeys> fresh) {
        Optional<String> sealed = read(database);
        if (sealed.isEmpty()) {
            String created = box.seal(fresh.get().key.toJSONString(), KEY_ID);
            try {
                database.inWriteTransaction(h -> h.createUpdate(
                                "INSERT INTO signing_keys (id, sealed_jwk, created_at) VALUES (:id, :jwk, :at)")
                        .bind("id", KEY_ID).bind("jwk", created).bind("at", System.currentTimeMillis()).execute());
            } catch (RuntimeException raced) {
                // Another node inserted first (primary key conflict): use its key.
            }
            sealed = read(database);
        }
        String jwk = box.openString(sealed.orElseThrow(() -> new IllegalStateException("no signing key stored")),
                KEY_ID);
        try {
            return new SigningKeys(ECKey.parse(jwk));
        } catch (ParseException e) {
            throw new IllegalStateException("the stored token signing key is unreadable", e);
        }
    }

    private static Optional<String> read(Database database) {
        return database.jdbi().withHandle(h -> h.createQuery("SELECT sealed_jwk FROM signing_keys WHERE id = :id")
                .bind("id", KEY_ID).mapTo(String.class).findOne());
    }

    /**
     * A fresh key being generated now on a thread of its own, for a node whose database is new: generating one on a
     * cold JVM takes ~120 ms of a 2-core VM's start-up (docs/benchmarks-journal.md, "What runs Y–AA add"), which
     * then overlaps with opening the database instead of following it. A key nobody asks for is dropped.
     */
    public static Supplier<SigningKeys> generateAhead() {
        return ComputedAhead.start("wharf-signing-key", SigningKeys::generate);
    }

    /** A fresh key, not stored anywhere (the first node stores it; tests use it directly). */
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
