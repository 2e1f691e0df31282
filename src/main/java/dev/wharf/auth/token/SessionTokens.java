package dev.wharf.auth.token;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.wharf.auth.AccessScope;
import dev.wharf.auth.AccessTokenService;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.IdentityException;
import dev.wharf.auth.LoginSession;
import dev.wharf.auth.LoginSessions;
import dev.wharf.auth.OrgAccessTokenService;
import dev.wharf.auth.Principal;
import dev.wharf.auth.User;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;

/**
 * The JWTs of the Hub API: the bearer token {@code POST /v2/users/login} returns, and the short-lived
 * {@code login_2fa_token} that stands between a correct password and a second factor. A session made from an
 * access token keeps that token's identity, so deactivating or deleting the token ends the session too, and
 * its limits: a personal access token's scope ({@code scope} claim, capped by the token's current scope on every
 * use), an organization token's resources (read from the token on every use).
 *
 * <p>Sessions and refresh tokens of a user (or of a user's personal access token) are server-side too: each names
 * a {@link LoginSessions} row in its {@value #SESSION_CLAIM} claim and is honoured only while that row exists, so
 * the owner can list and revoke them, and a password or 2FA change revokes them, on every node at once.
 */
public final class SessionTokens {
    public static final String HUB_AUDIENCE = "wharf-hub";
    public static final String TWO_FACTOR_AUDIENCE = "wharf-2fa";
    public static final Duration SESSION_TTL = Duration.ofHours(8);
    public static final Duration TWO_FACTOR_TTL = Duration.ofMinutes(5);
    /** The audience of registry refresh tokens ({@code docker login}'s identity token). */
    public static final String REFRESH_AUDIENCE = "wharf-refresh";
    /** The claim naming a token's {@link LoginSessions} row. */
    public static final String SESSION_CLAIM = "sid";

    private final JwtCodec jwt;
    private final AccountService accounts;
    private final AccessTokenService personalTokens;
    private final OrgAccessTokenService orgTokens;
    private final LoginSessions logins;
    private final Clock clock;

    public SessionTokens(JwtCodec jwt, AccountService accounts, AccessTokenService personalTokens,
            OrgAccessTokenService orgTokens, LoginSessions logins, Clock clock) {
        this.clock = clock;
        this.logins = logins;
        this.jwt = jwt;
        this.accounts = accounts;
        this.personalTokens = personalTokens;
        this.orgTokens = orgTokens;
    }

    /** A Hub session for a principal that has fully authenticated. */
    public String issue(Principal principal) {
        return issue(principal, LoginSession.Origin.UNKNOWN);
    }

    /** A Hub session for a principal that has fully authenticated, recorded with where the sign-in came from. */
    public String issue(Principal principal, LoginSession.Origin origin) {
        return issue(principal, HUB_AUDIENCE, SESSION_TTL, origin);
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
        return issue(principal, audience, ttl, LoginSession.Origin.UNKNOWN);
    }

    /**
     * Issues a session ({@link #HUB_AUDIENCE}) or refresh token ({@link #REFRESH_AUDIENCE}, or any other audience)
     * and, for a user or a user's personal access token, records it as a {@link LoginSessions} row named in the
     * {@value #SESSION_CLAIM} claim. Organization tokens have no user to list them: they end with their token.
     */
    public String issue(Principal principal, String audience, Duration ttl, LoginSession.Origin origin) {
        JWTClaimsSet.Builder builder = identityClaims(principal);
        Long userId = switch (principal) {
            case Principal.UserPrincipal u -> u.userId();
            case Principal.PersonalToken t -> t.user().userId();
            default -> null;
        };
        if (userId != null) {
            String tokenUuid = principal instanceof Principal.PersonalToken t ? t.tokenUuid() : null;
            LoginSession.Kind kind = HUB_AUDIENCE.equals(audience) ? LoginSession.Kind.SESSION
                    : LoginSession.Kind.REFRESH;
            builder.claim(SESSION_CLAIM, logins.open(userId, kind, tokenUuid, clock.instant().plus(ttl), origin));
        }
        JWTClaimsSet claims = builder.build();
        return jwt.sign(audience, claims.getSubject(), ttl, claims);
    }

    /** The server-side list of sessions behind these tokens. */
    public LoginSessions logins() {
        return logins;
    }

    /** Signs a Hub session token out: revokes its session (false if it does not verify or names none). */
    public boolean end(String token) {
        try {
            JWTClaimsSet c = jwt.verify(token, HUB_AUDIENCE);
            String sid = c.getStringClaim(SESSION_CLAIM);
            Long userId = c.getLongClaim("uid");
            return sid != null && userId != null && logins.revoke(userId, sid);
        } catch (TokenException | ParseException e) {
            return false;
        }
    }

    /** The {@link LoginSessions} id of a Hub session token, if it verifies and names one. */
    public Optional<String> sessionId(String token) {
        try {
            return Optional.ofNullable(jwt.verify(token, HUB_AUDIENCE).getStringClaim(SESSION_CLAIM));
        } catch (TokenException | ParseException e) {
            return Optional.empty();
        }
    }

    /** Looks the principal named by {@link #identityClaims} up again; empty if it is gone, inactive or expired. */
    public Optional<Principal> resolve(JWTClaimsSet c) {
        try {
            String kind = c.getStringClaim("kind");
            String subject = c.getSubject();
            if (kind == null || subject == null) return Optional.empty();
            if (!sessionLive(c)) return Optional.empty();
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
        } catch (ParseException | IllegalArgumentException | IdentityException e) {
            // A claim of the wrong type or form (a scope that does not parse): not a token this server honours.
            // Nothing else is caught: a database that cannot be read is not the token's fault, and its caller must
            // hear 503 (or a bug's 500), never "invalid token", which makes a client drop a good one.
            return Optional.empty();
        }
    }

    /**
     * A token that names a session is live while the session's row is; one that names none (issued before
     * sessions were recorded, or a registry bearer token) only if issued after the user last revoked all.
     */
    private boolean sessionLive(JWTClaimsSet c) throws ParseException {
        Long userId = c.getLongClaim("uid");
        if (userId == null) return true; // organization tokens and anonymous: nothing to revoke here
        String sid = c.getStringClaim(SESSION_CLAIM);
        if (sid != null) return logins.isLive(sid, userId);
        Date issued = c.getIssueTime();
        return issued != null && !logins.revokedBefore(userId, issued.toInstant());
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
        } catch (TokenException | ParseException e) {
            return Optional.empty(); // as in resolve: a database failure goes on to the caller
        }
    }
}
