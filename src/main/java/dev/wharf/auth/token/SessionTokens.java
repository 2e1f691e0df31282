package dev.wharf.auth.token;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.wharf.auth.AccessScope;
import dev.wharf.auth.AccessTokenService;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.OrgAccessTokenService;
import dev.wharf.auth.Principal;
import dev.wharf.auth.User;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The JWTs of the Hub API: the bearer token {@code POST /v2/users/login} returns, and the short-lived
 * {@code login_2fa_token} that stands between a correct password and a second factor. A session made from an
 * access token keeps that token's identity, so deactivating or deleting the token ends the session too, and
 * its limits: a personal access token's scope ({@code scope} claim, capped by the token's current scope on every
 * use), an organization token's resources (read from the token on every use).
 */
public final class SessionTokens {
    public static final String HUB_AUDIENCE = "wharf-hub";
    public static final String TWO_FACTOR_AUDIENCE = "wharf-2fa";
    public static final Duration SESSION_TTL = Duration.ofHours(8);
    public static final Duration TWO_FACTOR_TTL = Duration.ofMinutes(5);

    private final JwtCodec jwt;
    private final AccountService accounts;
    private final AccessTokenService personalTokens;
    private final OrgAccessTokenService orgTokens;
    private final Clock clock;

    public SessionTokens(JwtCodec jwt, AccountService accounts, AccessTokenService personalTokens,
            OrgAccessTokenService orgTokens, Clock clock) {
        this.clock = clock;
        this.jwt = jwt;
        this.accounts = accounts;
        this.personalTokens = personalTokens;
        this.orgTokens = orgTokens;
    }

    /** A Hub session for a principal that has fully authenticated. */
    public String issue(Principal principal) {
        return issue(principal, HUB_AUDIENCE, SESSION_TTL);
    }

    /**
     * Claims that name a principal (subject, kind, user id, token id) so it can be looked up again later;
     * used by Hub sessions, refresh tokens and registry tokens alike.
     */
    public static JWTClaimsSet.Builder identityClaims(Principal principal) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder();
        String subject = switch (principal) {
            case Principal.UserPrincipal u -> {
                claims.claim("kind", "user").claim("uid", u.userId());
                yield u.username();
            }
            case Principal.PersonalToken t -> {
                claims.claim("kind", "pat").claim("uid", t.user().userId()).claim("token", t.tokenUuid())
                        .claim("scope", t.scope().wireName());
                yield t.user().username();
            }
            case Principal.OrgToken o -> {
                claims.claim("kind", "oat").claim("token", o.tokenUuid());
                yield o.org();
            }
            case Principal.Anonymous a -> {
                claims.claim("kind", "anonymous");
                yield "";
            }
        };
        return claims.subject(subject);
    }

    /** The principal a session token stands for, re-checked against the current state of its account or token. */
    public Optional<Principal> verify(String token) {
        return verify(token, HUB_AUDIENCE);
    }

    /** Verifies a token of the given audience that carries {@link #identityClaims} and resolves its principal. */
    public Optional<Principal> verify(String token, String audience) {
        try {
            return resolve(jwt.verify(token, audience));
        } catch (TokenException e) {
            return Optional.empty();
        }
    }

    /** Issues a long-lived token of another audience (e.g. registry refresh tokens) for a principal. */
    public String issue(Principal principal, String audience, Duration ttl) {
        JWTClaimsSet claims = identityClaims(principal).build();
        return jwt.sign(audience, claims.getSubject(), ttl, claims);
    }

    /** Looks the principal named by {@link #identityClaims} up again; empty if it is gone, inactive or expired. */
    public Optional<Principal> resolve(JWTClaimsSet c) {
        try {
            String kind = c.getStringClaim("kind");
            String subject = c.getSubject();
            if (kind == null || subject == null) return Optional.empty();
            return switch (kind) {
                case "user" -> accounts.findUser(c.getLongClaim("uid")).filter(u -> u.username().equals(subject))
                        .map(User::principal);
                case "pat" -> {
                    String issued = c.getStringClaim("scope");
                    yield personalTokens.get(c.getLongClaim("uid"), c.getStringClaim("token"))
                            .filter(t -> live(t.isActive(), t.expiresAt()))
                            .flatMap(t -> accounts.findUser(t.userId()).map(u -> (Principal) new Principal.PersonalToken(
                                    u.principal(), issuedScope(issued, t.scope()), t.uuid(), true, t.expiresAt())));
                }
                case "oat" -> orgTokens.get(subject, c.getStringClaim("token"))
                        .filter(t -> live(t.isActive(), t.expiresAt()))
                        .map(t -> (Principal) new Principal.OrgToken(subject, t.resources(), t.id(), true,
                                t.expiresAt()));
                case "anonymous" -> Optional.of(Principal.ANONYMOUS);
                default -> Optional.empty();
            };
        } catch (ParseException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The scope a personal-access-token session acts with: the one it was issued with ({@code scope} claim), never
     * more than the token has now. So a session, and every refresh or registry token derived from it, keeps the
     * scope of the login; a token whose scope went down takes its sessions down with it. Sessions issued before
     * the claim existed carry the token's current scope.
     */
    private static AccessScope issuedScope(String issued, AccessScope current) {
        if (issued == null) return current;
        AccessScope claimed = AccessScope.parse(issued);
        return claimed.allows(current) ? current : claimed;
    }

    private boolean live(boolean active, Instant expiresAt) {
        return active && (expiresAt == null || expiresAt.isAfter(clock.instant()));
    }

    /** The intermediate token between password and second factor. */
    public String issueTwoFactor(User user) {
        return jwt.sign(TWO_FACTOR_AUDIENCE, user.username(), TWO_FACTOR_TTL,
                new JWTClaimsSet.Builder().claim("uid", user.id()).build());
    }

    /** The user a 2FA token was issued for, if it is genuine and still fresh. */
    public Optional<User> verifyTwoFactor(String token) {
        try {
            JWTClaimsSet c = jwt.verify(token, TWO_FACTOR_AUDIENCE);
            return accounts.findUser(c.getLongClaim("uid")).filter(u -> u.username().equals(c.getSubject()));
        } catch (TokenException | ParseException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
