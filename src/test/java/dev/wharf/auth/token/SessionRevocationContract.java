package dev.wharf.auth.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.wharf.auth.AccessTokenService;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.LoginSession;
import dev.wharf.auth.LoginSessions;
import dev.wharf.auth.OrgAccessTokenService;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.auth.Principal;
import dev.wharf.auth.SecretBox;
import dev.wharf.auth.Totp;
import dev.wharf.auth.TwoFactorService;
import dev.wharf.auth.User;
import dev.wharf.testing.MutableClock;
import dev.wharf.storage.meta.Database;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 finding 7 / issue 19: sessions and refresh tokens are revocable server-side, cluster-wide (two nodes
 * are two {@link SessionTokens} over one database here), and a password or 2FA change revokes them.
 */
abstract class SessionRevocationContract {
    static final String PASSWORD = "correct horse battery";
    static final String REFRESH = SessionTokens.REFRESH_AUDIENCE;

    Database database;
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    AccountService accounts;
    TwoFactorService twoFactor;
    SessionTokens node1;
    SessionTokens node2;
    JwtCodec jwt;
    User alice;

    protected abstract Database openDatabase();

    @BeforeEach
    void open() {
        database = openDatabase();
        accounts = new AccountService(database, new PasswordHasher(1024, 1, 1), clock);
        twoFactor = new TwoFactorService(database, SecretBox.fromBase64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
                new Totp(), clock);
        jwt = new JwtCodec(SigningKeys.generate(), clock);
        node1 = tokens();
        node2 = tokens();
        alice = accounts.createUser("alice", "alice@example.test", PASSWORD, false);
    }

    private SessionTokens tokens() {
        return new SessionTokens(jwt, accounts, new AccessTokenService(database, clock),
                new OrgAccessTokenService(database, clock), new LoginSessions(database, clock), clock);
    }

    @AfterEach
    void close() {
        database.close();
    }

    private String session(LoginSession.Origin origin) {
        return node1.issue(alice.principal(), origin);
    }

    private String refresh() {
        return node1.issue(alice.principal(), REFRESH, Duration.ofDays(60), LoginSession.Origin.UNKNOWN);
    }

    @Test
    void aPasswordResetRevokesSessionsAndRefreshTokensOnEveryNode() {
        String session = session(LoginSession.Origin.UNKNOWN);
        String refresh = refresh();
        assertThat(node2.verify(session)).isPresent();
        assertThat(node2.verify(refresh, REFRESH)).isPresent();

        accounts.resetPassword(alice.id(), "another password 1");

        assertThat(node2.verify(session)).isEmpty();
        assertThat(node2.verify(refresh, REFRESH)).isEmpty();
        assertThat(node1.logins().list(alice.id())).isEmpty();
        assertThat(node2.verify(session(LoginSession.Origin.UNKNOWN))).as("new sign-ins work").isPresent();
    }

    @Test
    void changingThePasswordRevokesToo() {
        String refresh = refresh();
        accounts.changePassword(alice.id(), PASSWORD, "another password 2");
        assertThat(node2.verify(refresh, REFRESH)).isEmpty();
    }

    @Test
    void signingOutEndsOnlyThatSession() {
        String a = session(LoginSession.Origin.UNKNOWN);
        String b = session(LoginSession.Origin.UNKNOWN);
        assertThat(node1.end(a)).isTrue();
        assertThat(node2.verify(a)).isEmpty();
        assertThat(node2.verify(b)).isPresent();
        assertThat(node1.end(a)).as("already ended").isFalse();
    }

    @Test
    void sessionsAreListedWithTheirOriginAndRevokedOneByOne() {
        String hub = session(new LoginSession.Origin("192.0.2.1", "curl/8\u0000\u0007 x"));
        String refresh = refresh();
        List<LoginSession> list = node1.logins().list(alice.id());
        assertThat(list).hasSize(2);
        LoginSession listed = list.stream().filter(s -> s.kind() == LoginSession.Kind.SESSION).findFirst()
                .orElseThrow();
        assertThat(listed.clientIp()).isEqualTo("192.0.2.1");
        assertThat(listed.userAgent()).as("control characters are dropped, NUL included").isEqualTo("curl/8 x");
        assertThat(listed.expiresAt()).isEqualTo(clock.instant().plus(SessionTokens.SESSION_TTL));
        assertThat(node1.sessionId(hub)).hasValue(listed.id());

        User bob = accounts.createUser("bob", "bob@example.test", PASSWORD, false);
        assertThat(node1.logins().revoke(bob.id(), listed.id())).as("not bob's to revoke").isFalse();
        assertThat(node1.logins().revoke(alice.id(), listed.id())).isTrue();
        assertThat(node2.verify(hub)).isEmpty();
        assertThat(node2.verify(refresh, REFRESH)).isPresent();
    }

    @Test
    void twoFactorChangesRevokeEveryOtherSession() {
        String current = session(LoginSession.Origin.UNKNOWN);
        String other = session(LoginSession.Origin.UNKNOWN);
        String refresh = refresh();
        String secret = twoFactor.startEnrollment(alice.id()).secret();
        twoFactor.confirmEnrollment(alice.id(), new Totp().code(secret, clock.instant()),
                node1.sessionId(current).orElseThrow());
        assertThat(node2.verify(current)).as("the session that made the change").isPresent();
        assertThat(node2.verify(other)).isEmpty();
        assertThat(node2.verify(refresh, REFRESH)).isEmpty();

        String again = session(LoginSession.Origin.UNKNOWN);
        clock.advance(Duration.ofMinutes(1));
        twoFactor.disable(alice.id(), new Totp().code(secret, clock.instant()), null);
        assertThat(node2.verify(again)).isEmpty();
        assertThat(node2.verify(current)).isEmpty();
    }

    @Test
    void tokensWithoutASessionCountOnlyIfIssuedAfterTheLastRevokeAll() {
        // as issued before sessions were recorded: identity claims, no sid
        JWTClaimsSet claims = SessionTokens.identityClaims(alice.principal()).build();
        String legacy = jwt.sign(SessionTokens.HUB_AUDIENCE, "alice", SessionTokens.SESSION_TTL, claims);
        assertThat(node2.verify(legacy)).isPresent();
        clock.advance(Duration.ofSeconds(5));
        accounts.resetPassword(alice.id(), "another password 3");
        assertThat(node2.verify(legacy)).isEmpty();
        clock.advance(Duration.ofSeconds(5));
        String later = jwt.sign(SessionTokens.HUB_AUDIENCE, "alice", SessionTokens.SESSION_TTL, claims);
        assertThat(node2.verify(later)).isPresent();
    }

    @Test
    void expiredSessionsAreNeitherLiveNorListed() {
        String session = session(LoginSession.Origin.UNKNOWN);
        String id = node1.sessionId(session).orElseThrow();
        clock.advance(SessionTokens.SESSION_TTL.plusMinutes(1));
        assertThat(node1.logins().isLive(id, alice.id())).isFalse();
        assertThat(node1.logins().list(alice.id())).isEmpty();
    }

    @Test
    void aUserKeepsAtMostTheCapOfSessionsTheOldestGoFirst() {
        String first = session(LoginSession.Origin.UNKNOWN);
        for (int i = 0; i < LoginSessions.MAX_PER_USER + 4; i++) {
            clock.advance(Duration.ofMillis(1));
            session(LoginSession.Origin.UNKNOWN);
        }
        assertThat(node1.logins().list(alice.id())).hasSize(LoginSessions.MAX_PER_USER);
        assertThat(node2.verify(first)).isEmpty();
    }

    @Test
    void personalTokenSessionsAreRecordedWithTheirToken() {
        AccessTokenService pats = new AccessTokenService(database, clock);
        var created = pats.create(alice.id(), "ci", List.of("repo:read"), null, dev.wharf.auth.TokenOrigin.manual("", ""));
        Principal pat = new Principal.PersonalToken(alice.principal(), created.token().scope(),
                created.token().uuid(), true, null);
        String session = node1.issue(pat, LoginSession.Origin.UNKNOWN);
        assertThat(node2.verify(session)).isPresent();
        assertThat(node1.logins().list(alice.id())).singleElement()
                .satisfies(s -> assertThat(s.tokenUuid()).isEqualTo(created.token().uuid()));
        accounts.resetPassword(alice.id(), "another password 4");
        assertThat(node2.verify(session)).isEmpty();
    }
}
