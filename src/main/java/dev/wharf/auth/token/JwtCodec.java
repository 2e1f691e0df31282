package dev.wharf.auth.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * Signs and verifies Wharf's JWTs. Only ES256 with our own key is accepted: {@code alg: none}, HMAC tricks and
 * foreign keys fail before any claim is read. Every verification checks issuer, audience, expiry and not-before
 * (with a small skew allowance for clocks of several nodes).
 */
public final class JwtCodec {
    public static final String ISSUER = "wharf";
    private static final Duration SKEW = Duration.ofSeconds(30);

    private final SigningKeys keys;
    private final Clock clock;
    private final ECDSASigner signer;
    private final ECDSAVerifier verifier;

    public JwtCodec(SigningKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
        try {
            this.signer = new ECDSASigner(keys.key());
            this.verifier = new ECDSAVerifier(keys.key().toPublicJWK());
        } catch (JOSEException e) {
            throw new IllegalStateException("unusable signing key", e);
        }
    }

    /** Signs claims for {@code audience}, valid from now for {@code ttl}; adds iss, aud, iat, nbf, exp and jti. */
    public String sign(String audience, String subject, Duration ttl, JWTClaimsSet extra) {
        Instant now = clock.instant();
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder(extra == null ? new JWTClaimsSet.Builder().build() : extra)
                .issuer(ISSUER)
                .audience(audience)
                .subject(subject)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)))
                .jwtID(UUID.randomUUID().toString());
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).type(JOSEObjectType.JWT)
                .keyID(keys.keyId()).build(), b.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign token", e);
        }
        return jwt.serialize();
    }

    /** Verifies signature and standard claims; returns the claims or throws TokenException. */
    public JWTClaimsSet verify(String token, String audience) throws TokenException {
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            throw new TokenException("not a signed JWT");
        }
        if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
            throw new TokenException("algorithm " + jwt.getHeader().getAlgorithm() + " not accepted");
        }
        try {
            if (!jwt.verify(verifier)) throw new TokenException("bad signature");
        } catch (JOSEException e) {
            throw new TokenException("signature cannot be verified");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new TokenException("unreadable claims");
        }
        Instant now = clock.instant();
        if (!ISSUER.equals(claims.getIssuer())) throw new TokenException("wrong issuer");
        List<String> aud = claims.getAudience();
        if (aud == null || !aud.contains(audience)) throw new TokenException("wrong audience");
        Date exp = claims.getExpirationTime();
        if (exp == null || now.minus(SKEW).isAfter(exp.toInstant())) throw new TokenException("expired");
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(SKEW).isBefore(nbf.toInstant())) throw new TokenException("not yet valid");
        return claims;
    }
}
