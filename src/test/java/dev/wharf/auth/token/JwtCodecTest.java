package dev.wharf.auth.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.wharf.auth.SecretBox;
import dev.wharf.testing.MutableClock;
import dev.wharf.storage.meta.Database;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JwtCodecTest {
    @TempDir Path dir;
    MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    JwtCodec codec = new JwtCodec(SigningKeys.generate(), clock);

    @Test
    void roundTrip() throws Exception {
        String token = codec.sign("svc", "alice", Duration.ofMinutes(5), null);
        assertThat(codec.verify(token, "svc").getSubject()).isEqualTo("alice");
    }

    @Test
    void refusesForgeries() throws Exception {
        String good = codec.sign("svc", "alice", Duration.ofMinutes(5), null);
        JWTClaimsSet claims = SignedJWT.parse(good).getJWTClaimsSet();
        String none = new PlainJWT(new PlainHeader(), claims).serialize();
        assertThatThrownBy(() -> codec.verify(none, "svc")).isInstanceOf(TokenException.class);
        SignedJWT hmac = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        hmac.sign(new MACSigner(new byte[32]));
        assertThatThrownBy(() -> codec.verify(hmac.serialize(), "svc")).isInstanceOf(TokenException.class);
        String otherKey = new JwtCodec(SigningKeys.generate(), clock).sign("svc", "alice", Duration.ofMinutes(5), null);
        assertThatThrownBy(() -> codec.verify(otherKey, "svc")).hasMessageContaining("signature");
        assertThatThrownBy(() -> codec.verify(good, "other-service")).hasMessageContaining("audience");
        String[] parts = good.split("\\.");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                new JWTClaimsSet.Builder(claims).subject("mallory").build().toString().getBytes()) + "." + parts[2];
        assertThatThrownBy(() -> codec.verify(tampered, "svc")).isInstanceOf(TokenException.class);
    }

    @Test
    void expiryAndNotBefore() throws Exception {
        String token = codec.sign("svc", "alice", Duration.ofMinutes(5), null);
        clock.advance(Duration.ofMinutes(6));
        assertThatThrownBy(() -> codec.verify(token, "svc")).hasMessageContaining("expired");
        String future = codec.sign("svc", "alice", Duration.ofMinutes(5),
                new JWTClaimsSet.Builder().build());
        clock.advance(Duration.ofMinutes(-10));
        assertThatThrownBy(() -> codec.verify(future, "svc")).hasMessageContaining("not yet valid");
    }

    @Test
    void nodesSharingADatabaseShareTheKey() throws Exception {
        SecretBox box = SecretBox.load(null, dir);
        try (Database db = Database.open("jdbc:sqlite:" + dir.resolve("k.db"), null, null, 2, null)) {
            SigningKeys a = SigningKeys.loadOrCreate(db, box);
            SigningKeys b = SigningKeys.loadOrCreate(db, box);
            assertThat(b.keyId()).isEqualTo(a.keyId());
            String token = new JwtCodec(a, clock).sign("svc", "alice", Duration.ofMinutes(5), null);
            assertThat(new JwtCodec(b, clock).verify(token, "svc").getSubject()).isEqualTo("alice");
        }
    }

    /**
     * A new node's key, generated ahead on its own thread, is the one stored and used; a database that holds a key
     * already keeps it, and the key made ahead is then never asked for.
     */
    @Test
    void aKeyGeneratedAheadIsStoredOnlyWhenNoneIs() throws Exception {
        SecretBox box = SecretBox.load(null, dir);
        try (Database db = Database.open("jdbc:sqlite:" + dir.resolve("k.db"), null, null, 2, null)) {
            java.util.function.Supplier<SigningKeys> ahead = SigningKeys.generateAhead();
            SigningKeys expected = ahead.get();
            SigningKeys stored = SigningKeys.loadOrCreate(db, box, ahead);
            assertThat(stored.keyId()).isEqualTo(expected.keyId());
            SigningKeys again = SigningKeys.loadOrCreate(db, box, () -> {
                throw new AssertionError("a stored key must not be replaced");
            });
            assertThat(again.keyId()).isEqualTo(expected.keyId());
            assertThat(SigningKeys.generateAhead().get().keyId()).isNotEqualTo(expected.keyId());
        }
    }
}
