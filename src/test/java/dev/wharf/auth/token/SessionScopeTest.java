package dev.wharf.auth.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.wharf.auth.AccessScope;
import dev.wharf.auth.AccessTokenService;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.CredentialAuthenticator;
import dev.wharf.auth.CredentialAuthenticator.LoginOutcome;
import dev.wharf.auth.OrgAccessTokenService;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.auth.Principal;
import dev.wharf.auth.User;
import dev.wharf.auth.registry.TokenEndpoint;
import dev.wharf.storage.meta.Database;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session made by logging in with a personal access token as the password acts with that token's scope, and so
 * does every token derived from it (refresh tokens, and sessions from those); the {@code scope} claim can only
 * narrow what the token allows now, never widen it.
 */
class SessionScopeTest {
    @TempDir Path dir;
    Database db;
    AccountService accounts;
    AccessTokenService personalTokens;
    CredentialAuthenticator authenticator;
    JwtCodec jwt;
    SessionTokens sessions;
    User olivia;

    @BeforeEach
    void open() {
        db = Database.open("jdbc:sqlite:" + dir.resolve("meta.db"), null, null, 2, null);
        Clock clock = Clock.systemUTC();
        accounts = new AccountService(db, new PasswordHasher(1024, 1, 1), clock);
        personalTokens = new AccessTokenService(db, clock);
        OrgAccessTokenService orgTokens = new OrgAccessTokenService(db, clock);
        authenticator = new CredentialAuthenticator(accounts, personalTokens, orgTokens);
        jwt = new JwtCodec(SigningKeys.generate(), clock);
        sessions = new SessionTokens(jwt, accounts, personalTokens, orgTokens, new dev.wharf.auth.LoginSessions(db, clock),
                clock);
        olivia = accounts.createUser("olivia", "olivia@example.test", "olivia-secret-1", false);
    }

    @AfterEach
    void close() {
        db.close();
    }

    @Test
    void aDatabaseFailureIsNeverReadAsAnInvalidToken() {
        String session = sessions.issue(olivia.principal());
        assertThat(sessions.verify(session)).isPresent();
        db.close(); // any failure to read the account, recognised as an outage or not
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sessions.verify(session))
                .isInstanceOf(RuntimeException.class);
        db = Database.open("jdbc:sqlite:" + dir.resolve("meta.db"), null, null, 2, null); // for close()
    }

    @Test
    void aTokenWhoseScopeClaimDoesNotParseIsNotHonoured() {
        String secret = personalTokens.create(olivia.id(), "ci", List.of("repo:read"), null, null).secret();
        Principal principal = ((LoginOutcome.Authenticated) authenticator.login("olivia", secret).orElseThrow())
                .principal();
        String token = sessions.issue(principal);
        JWTClaimsSet claims = assertThatParses(token);
        JWTClaimsSet bent = new JWTClaimsSet.Builder(claims).claim("scope", "repo:everything").build();
        assertThat(sessions.resolve(bent)).isEmpty();
    }

    private static JWTClaimsSet assertThatParses(String token) {
        try {
            return SignedJWT.parse(token).getJWTClaimsSet();
        } catch (java.text.ParseException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aLoginWithATokenCarriesItsScopeThroughRefresh() throws Exception {
        String secret = personalTokens.create(olivia.id(), "ci", List.of("repo:read"), null, null).secret();
        LoginOutcome outcome = authenticator.login("olivia", secret).orElseThrow();
        Principal principal = ((LoginOutcome.Authenticated) outcome).principal();
        String session = sessions.issue(principal);
        assertThat(SignedJWT.parse(session).getJWTClaimsSet().getStringClaim("scope")).isEqualTo("repo:read");

        Principal fromSession = sessions.verify(session).orElseThrow();
        assertThat(scopeOf(fromSession)).isEqualTo(AccessScope.READ);
        assertThat(fromSession.scopeAllows(AccessScope.READ)).isTrue();
        assertThat(fromSession.scopeAllows(AccessScope.WRITE)).isFalse();

        String refresh = sessions.issue(fromSession, TokenEndpoint.REFRESH_AUDIENCE, Duration.ofDays(1));
        Principal refreshed = sessions.verify(refresh, TokenEndpoint.REFRESH_AUDIENCE).orElseThrow();
        assertThat(scopeOf(refreshed)).isEqualTo(AccessScope.READ);
        Principal again = sessions.verify(sessions.issue(refreshed)).orElseThrow();
        assertThat(scopeOf(again)).isEqualTo(AccessScope.READ);
    }

    @Test
    void theClaimNarrowsButNeverWidens() throws Exception {
        String adminUuid = personalTokens.create(olivia.id(), "admin", List.of("repo:admin"), null, null).token()
                .uuid();
        String readUuid = personalTokens.create(olivia.id(), "read", List.of("repo:read"), null, null).token().uuid();
        // A session claiming less than its token has acts with the claim.
        assertThat(scopeOf(sessions.verify(session(adminUuid, "repo:read")).orElseThrow()))
                .isEqualTo(AccessScope.READ);
        // A session claiming more than its token has (a forged or stale claim) acts with the token's scope.
        assertThat(scopeOf(sessions.verify(session(readUuid, "repo:admin")).orElseThrow()))
                .isEqualTo(AccessScope.READ);
        // Sessions issued before the claim existed act with the token's scope.
        assertThat(scopeOf(sessions.verify(session(adminUuid, null)).orElseThrow())).isEqualTo(AccessScope.ADMIN);
        // A claim that is no scope at all makes the session unusable rather than guessing.
        assertThat(sessions.verify(session(adminUuid, "repo:everything"))).isEmpty();
    }

    @Test
    void passwordSessionsAreNotCapped() {
        Principal p = sessions.verify(sessions.issue(olivia.principal())).orElseThrow();
        assertThat(p.scopeAllows(AccessScope.ADMIN)).isTrue();
        assertThat(Principal.ANONYMOUS.scopeAllows(AccessScope.READ)).isFalse();
    }

    /** A Hub session for olivia's token {@code uuid}, signed with the node's key, with this {@code scope} claim. */
    private String session(String uuid, String scope) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject("olivia").claim("kind", "pat")
                .claim("uid", olivia.id()).claim("token", uuid);
        if (scope != null) claims.claim("scope", scope);
        return jwt.sign(SessionTokens.HUB_AUDIENCE, "olivia", Duration.ofMinutes(5), claims.build());
    }

    private static AccessScope scopeOf(Principal p) {
        return ((Principal.PersonalToken) p).scope();
    }
}
