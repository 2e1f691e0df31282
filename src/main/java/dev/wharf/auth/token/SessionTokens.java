package dev.wharf.auth.token;

import com.nimbusds.jwt.JWTClaimsSet;
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
 * access token keeps that token's identity, so deactivating or deleting the token ends the session too.
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
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder();
        String subject = switch (principal) {
            case Principal.UserPrincipal u -> {
                claims.claim("kind", "user").claim("uid", u.userId());
                yield u.username();
            }
            case Principal.PersonalToken t -> {
                claims.claim("kind", "pat").claim("uid", t.user().userId()).claim("token", t.tokenUuid());
                yield t.user().username();
            }
            case Principal.OrgToken o -> {
                claims.claim("kind", "oat").claim("token", o.tokenUuid());
                yield o.org();
            }
            case Principal.Anonymous a -> throw new IllegalArgumentException("anonymous callers get no session");
        };
        return jwt.sign(HUB_AUDIENCE, subject, SESSION_TTL, claims.build());
    }

    /** The principal a session token stands for, re-checked against the current state of its account or token. */
    public Optional<Principal> verify(String token) {
        try {
            JWTClaimsSet c = jwt.verify(token, HUB_AUDIENCE);
            String kind = c.getStringClaim("kind");
            String subject = c.getSubject();
            if (kind == null || subject == null) return Optional.empty();
            return switch (kind) {
                case "user" -> accounts.findUser(c.getLongClaim("uid")).filter(u -> u.username().equals(subject))
                        .map(User::principal);
                case "pat" -> personalTokens.get(c.getLongClaim("uid"), c.getStringClaim("token"))
                        .filter(t -> live(t.isActive(), t.expiresAt()))
                        .flatMap(t -> accounts.findUser(t.userId()).map(u -> (Principal) new Principal.PersonalToken(
                                u.principal(), t.scope(), t.uuid(), true, t.expiresAt())));
                case "oat" -> orgTokens.get(subject, c.getStringClaim("token"))
                        .filter(t -> live(t.isActive(), t.expiresAt()))
                        .map(t -> (Principal) new Principal.OrgToken(subject, t.resources(), t.id(), true,
                                t.expiresAt()));
                default -> Optional.empty();
            };
        } catch (TokenException | ParseException | RuntimeException e) {
            return Optional.empty();
        }
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
