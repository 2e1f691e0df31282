package dev.wharf.auth.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.wharf.auth.AccessControl;
import dev.wharf.auth.Action;
import dev.wharf.auth.AuthorizationEpoch;
import dev.wharf.auth.CredentialAuthenticator;
import dev.wharf.auth.GenerationCache;
import dev.wharf.auth.LoginGuard;
import dev.wharf.auth.Principal;
import dev.wharf.auth.token.SessionTokens;
import dev.wharf.auth.token.TokenException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/**
 * The registry's authorization answers, cached so that a request with a bearer token (or Basic credentials)
 * costs no signature check, no Argon2 hash and no query once the same caller has been seen:
 * <ul>
 *   <li>verified bearer tokens, keyed by the exact token string, each kept at most until its {@code exp};
 *   <li>the principal a token or Basic credential stands for (is the account or access token still there and
 *       active?), and for Basic the fact that the secret was right, keyed by a SHA-256 of username and secret;
 *   <li>what a principal may do on a repository now (privacy, memberships, teams, restricted images).
 * </ul>
 * Only successes are cached: anything forged, expired, wrong or refused takes the full path every time.
 * Principal and permission entries carry the {@link AuthorizationEpoch} generation they were loaded under and
 * are used only while it is current and {@link AuthorizationEpoch#fresh()}: a change of identity or access
 * state takes effect at once on the node that made it and within {@link AuthorizationEpoch#MAX_STALENESS} on
 * every other node. Every cache is bounded in entries.
 */
public final class CachedAuthorization {
    /** Longest a correct Basic secret is trusted without hashing it again, even if nothing changed. */
    static final Duration BASIC_TTL = Duration.ofMinutes(5);
    private static final long MAX_TOKENS = 10_000;
    private static final long MAX_PRINCIPALS = 10_000;
    private static final long MAX_PERMISSIONS = 50_000;
    private static final long MAX_BASIC = 2_000;

    private record PermissionKey(Principal principal, String repository) {}

    private final RegistryTokens tokens;
    private final SessionTokens sessions;
    private final AccessControl access;
    private final CredentialAuthenticator authenticator;
    private final LoginGuard guard;
    private final AuthorizationEpoch epoch;
    private final Clock clock;

    private final Cache<String, RegistryTokens.Grant> grants;
    private final GenerationCache<String, Optional<Principal>> principals;
    private final GenerationCache<PermissionKey, Set<Action>> permissions;
    private final GenerationCache<String, Principal> basic;

    public CachedAuthorization(RegistryTokens tokens, SessionTokens sessions, AccessControl access,
            CredentialAuthenticator authenticator, LoginGuard guard, AuthorizationEpoch epoch, Clock clock) {
        this.tokens = tokens;
        this.sessions = sessions;
        this.access = access;
        this.authenticator = authenticator;
        this.guard = guard;
        this.epoch = epoch;
        this.clock = clock;
        this.grants = Caffeine.newBuilder().maximumSize(MAX_TOKENS).expireAfter(new UntilExpiry())
                .executor(Runnable::run).build(); // maintenance on the caller, as GenerationCache does
        this.principals = new GenerationCache<>(epoch, MAX_PRINCIPALS);
        this.permissions = new GenerationCache<>(epoch, MAX_PERMISSIONS);
        this.basic = new GenerationCache<>(epoch, MAX_BASIC, BASIC_TTL);
    }

    /** A bearer token's grant; throws TokenException for anything forged, expired or foreign (never cached). */
    RegistryTokens.Grant verify(String token) throws TokenException {
        RegistryTokens.Grant cached = grants.getIfPresent(token);
        if (cached != null) {
            if (clock.instant().isBefore(expiry(cached))) return cached;
            grants.invalidate(token);
        }
        RegistryTokens.Grant grant = tokens.verify(token);
        if (clock.instant().isBefore(expiry(grant))) grants.put(token, grant);
        return grant;
    }

    /**
     * Whom a registry bearer token of this server stands for now, through the token and principal caches; empty
     * for anything that is not such a token, or whose account or access token is gone. For surfaces beside /v2/
     * that take the same tokens (search).
     */
    public Optional<Principal> bearerPrincipal(String token) {
        try {
            return principal(verify(token).claims());
        } catch (TokenException e) {
            return Optional.empty();
        }
    }

    /** Whom a verified token's identity claims name now; empty if that account or access token is gone. */
    Optional<Principal> principal(JWTClaimsSet claims) {
        String key = identityKey(claims);
        Optional<Principal> p = principals.get(key, identityGeneration(), () -> sessions.resolve(claims));
        return p.filter(this::live);
    }

    /** What the principal may do on the repository now, as the token endpoint would grant it. */
    Set<Action> allowed(Principal principal, String repository) {
        Set<Action> actions = permissions.get(new PermissionKey(principal, repository), anyGeneration(),
                () -> Set.copyOf(access.registryAllowed(principal, repository)));
        return actions.isEmpty() ? EnumSet.noneOf(Action.class) : EnumSet.copyOf(actions);
    }

    /**
     * Basic credentials: a cached success for the same username and secret, else the full check under the login
     * throttle (Argon2 for a password). Failures are never cached, so they keep counting towards the throttle.
     */
    public LoginGuard.Attempt basic(String username, String secret, String ip) {
        if (username == null || secret == null) return new LoginGuard.Attempt.Rejected();
        String key = credentialKey(username, secret);
        long generation = identityGeneration();
        Optional<Principal> hit = basic.hit(key, generation).filter(this::live);
        if (hit.isPresent()) return new LoginGuard.Attempt.Accepted(hit.get());
        LoginGuard.Attempt attempt = guard.authenticate(authenticator, username, secret, ip);
        if (attempt instanceof LoginGuard.Attempt.Accepted a) {
            basic.put(key, a.principal(), generation);
        }
        return attempt;
    }

    private long identityGeneration() {
        return epoch.current().identity();
    }

    private long anyGeneration() {
        return epoch.current().any();
    }

    /** An access token that expired since it was cached is dead now, whatever the cache says. */
    private boolean live(Principal p) {
        Instant expires = switch (p) {
            case Principal.PersonalToken t -> t.active() ? t.expiresAt() : Instant.MIN;
            case Principal.OrgToken t -> t.active() ? t.expiresAt() : Instant.MIN;
            default -> null;
        };
        return expires == null || clock.instant().isBefore(expires);
    }

    private static Instant expiry(RegistryTokens.Grant grant) {
        Date exp = grant.claims().getExpirationTime();
        return exp == null ? Instant.MIN : exp.toInstant();
    }

    private static String identityKey(JWTClaimsSet c) {
        return c.getClaim("kind") + "\u0000" + c.getClaim("uid") + "\u0000" + c.getClaim("token") + "\u0000"
                + c.getSubject();
    }

    /** Never the secret itself: a heap dump of the cache must not hand out credentials. */
    private static String credentialKey(String username, String secret) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((username.length() + ":" + username + ":").getBytes(StandardCharsets.UTF_8));
            sha.update(secret.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Keeps a verified token until its own {@code exp}, never longer. */
    private final class UntilExpiry implements Expiry<String, RegistryTokens.Grant> {
        @Override
        public long expireAfterCreate(String key, RegistryTokens.Grant grant, long currentTime) {
            return Math.max(0, Duration.between(clock.instant(), expiry(grant)).toNanos());
        }

        @Override
        public long expireAfterUpdate(String key, RegistryTokens.Grant grant, long currentTime, long duration) {
            return expireAfterCreate(key, grant, currentTime);
        }

        @Override
        public long expireAfterRead(String key, RegistryTokens.Grant grant, long currentTime, long duration) {
            return duration;
        }
    }
}
