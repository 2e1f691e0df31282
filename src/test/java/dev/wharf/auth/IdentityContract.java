package dev.wharf.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.auth.IdentityException.Reason;
import dev.wharf.auth.OrgTokenResource.Type;
import dev.wharf.storage.meta.Database;
import dev.wharf.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Behaviour of the SQL-backed identity services; subclasses say which empty database to use. */
abstract class IdentityContract {

    static final Instant T0 = Instant.parse("2025-01-01T00:00:10Z");
    static final String PASSWORD = "correct horse battery";
    // Cheap parameters keep the suite fast; PasswordHasherTest covers the production ones.
    static final PasswordHasher HASHER = new PasswordHasher(1024, 1, 1);

    Database database;
    MutableClock clock;
    AccountService accounts;
    OrganizationService orgs;
    TeamService teams;
    TwoFactorService twoFactor;
    AccessTokenService tokens;
    OrgAccessTokenService orgTokens;
    RepositorySettingsService settings;
    AccessControl access;
    final Totp totp = new Totp();

    /** A migrated database with no identity rows; the contract closes it after each test. */
    protected abstract Database openDatabase();

    @BeforeEach
    void open() {
        database = openDatabase();
        clock = new MutableClock(T0);
        accounts = new AccountService(database, HASHER, clock);
        orgs = accounts.organizations();
        teams = accounts.teams();
        twoFactor = new TwoFactorService(database, SecretBox.fromBase64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
                totp, clock);
        tokens = new AccessTokenService(database, clock);
        orgTokens = new OrgAccessTokenService(database, clock);
        settings = new RepositorySettingsService(database, clock, false);
        access = new AccessControl(new Permissions(clock), accounts, settings);
    }

    @AfterEach
    void close() {
        database.close();
    }

    User user(String name) {
        return accounts.createUser(name, name + "@example.com", PASSWORD, false);
    }

    static void assertReason(Reason reason, ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(IdentityException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    // --- users -------------------------------------------------------------------------------------------

    @Test
    void createsAndFindsUsers() {
        User alice = accounts.createUser("alice", " alice@example.com ", PASSWORD, false);
        assertThat(alice).isEqualTo(new User(alice.id(), "alice", "alice@example.com", false, T0, false));
        assertThat(accounts.findUser("Alice")).contains(alice);
        assertThat(accounts.findUser(alice.id())).contains(alice);
        assertThat(accounts.findUser("nobody")).isEmpty();
        assertThat(accounts.namespaceKind("alice")).contains(NamespaceKind.USER);
        String stored = database.jdbi().withHandle(h -> h.createQuery("SELECT password_hash FROM users")
                .mapTo(String.class).one());
        assertThat(stored).startsWith("$argon2id$").doesNotContain(PASSWORD);
    }

    @Test
    void validatesNewUsers() {
        for (String bad : List.of("a", "Alice", "-alice", "alice-", "al--ice", "al ice", "a".repeat(31), "al/ice")) {
            assertReason(Reason.INVALID_INPUT, () -> accounts.createUser(bad, "x@example.com", PASSWORD, false));
        }
        for (String good : List.of("ab", "a.b", "a_b-c", "x".repeat(30), "0day")) {
            accounts.createUser(good, "x@example.com", PASSWORD, false);
        }
        assertReason(Reason.INVALID_INPUT, () -> accounts.createUser("carol", "not-an-email", PASSWORD, false));
        assertReason(Reason.INVALID_INPUT, () -> accounts.createUser("carol", "a b@example.com", PASSWORD, false));
        assertReason(Reason.INVALID_INPUT, () -> accounts.createUser("carol", "carol@example.com", "1234567", false));
        assertThat(accounts.findUser("carol")).isEmpty();
    }

    @Test
    void usersAndOrganizationsShareOneNamespace() {
        User alice = user("alice");
        assertReason(Reason.CONFLICT, () -> user("alice"));
        assertReason(Reason.CONFLICT, () -> orgs.createOrganization("alice", alice.id()));
        orgs.createOrganization("acme", alice.id());
        assertReason(Reason.CONFLICT, () -> user("acme"));
        assertReason(Reason.CONFLICT, () -> orgs.createOrganization("acme", alice.id()));
        assertThat(accounts.namespaceKind("acme")).contains(NamespaceKind.ORG);
        assertThat(accounts.namespaceKind("free")).isEmpty();
    }

    @Test
    void authenticatesPasswords() {
        User alice = user("alice");
        assertThat(accounts.authenticatePassword("alice", PASSWORD)).contains(alice);
        assertThat(accounts.authenticatePassword("ALICE", PASSWORD)).contains(alice);
        assertThat(accounts.authenticatePassword("alice", PASSWORD + "!")).isEmpty();
        assertThat(accounts.authenticatePassword("alice", null)).isEmpty();
        assertThat(accounts.authenticatePassword("mallory", PASSWORD)).isEmpty();
    }

    @Test
    void weakHashesAreUpgradedOnLogin() {
        User alice = user("alice");
        AccountService stronger = new AccountService(database, new PasswordHasher(2048, 1, 1), clock);
        assertThat(stronger.authenticatePassword("alice", PASSWORD)).contains(alice);
        String stored = database.jdbi().withHandle(h -> h.createQuery("SELECT password_hash FROM users")
                .mapTo(String.class).one());
        assertThat(stored).contains("m=2048,");
        assertThat(accounts.authenticatePassword("alice", PASSWORD)).contains(alice);
    }

    @Test
    void changesAndResetsPasswords() {
        User alice = user("alice");
        assertReason(Reason.INVALID_CREDENTIALS, () -> accounts.changePassword(alice.id(), "wrong password", "new password 1"));
        assertReason(Reason.INVALID_INPUT, () -> accounts.changePassword(alice.id(), PASSWORD, "short"));
        accounts.changePassword(alice.id(), PASSWORD, "new password 1");
        assertThat(accounts.authenticatePassword("alice", PASSWORD)).isEmpty();
        assertThat(accounts.authenticatePassword("alice", "new password 1")).isPresent();
        accounts.resetPassword(alice.id(), "new password 2");
        assertThat(accounts.authenticatePassword("alice", "new password 2")).isPresent();
        assertReason(Reason.NOT_FOUND, () -> accounts.resetPassword(9999, "new password 3"));
    }

    @Test
    void listsUsersByPage() {
        for (String name : List.of("dave", "bob", "erin", "carol", "alice")) user(name);
        Page<User> first = accounts.listUsers(1, 2);
        assertThat(first.count()).isEqualTo(5);
        assertThat(first.results()).extracting(User::username).containsExactly("alice", "bob");
        assertThat(accounts.listUsers(3, 2).results()).extracting(User::username).containsExactly("erin");
        assertThat(accounts.listUsers(4, 2).results()).isEmpty();
        assertReason(Reason.INVALID_INPUT, () -> accounts.listUsers(0, 2));
        assertReason(Reason.INVALID_INPUT, () -> accounts.listUsers(1, 101));
    }

    @Test
    void bootstrapsTheFirstAdminOnce() {
        BootstrapResult result = accounts.bootstrapAdmin(null, null).orElseThrow();
        assertThat(result.admin().username()).isEqualTo("admin");
        assertThat(result.admin().admin()).isTrue();
        String generated = result.generatedPassword().orElseThrow();
        assertThat(generated).hasSize(24).matches("[A-Za-z0-9]+");
        assertThat(result.toString()).doesNotContain(generated);
        assertThat(accounts.authenticatePassword("admin", generated)).isPresent();
        assertThat(accounts.bootstrapAdmin("other", "other password")).isEmpty();
    }

    @Test
    void bootstrapsWithGivenCredentials() {
        BootstrapResult result = accounts.bootstrapAdmin("root", "given password").orElseThrow();
        assertThat(result.generatedPassword()).isEmpty();
        assertThat(accounts.authenticatePassword("root", "given password")).map(User::admin).contains(true);
    }

    @Test
    void noBootstrapWhenUsersExist() {
        user("alice");
        assertThat(accounts.bootstrapAdmin(null, null)).isEmpty();
        assertThat(accounts.findUser("admin")).isEmpty();
    }

    // --- organizations, members, teams -------------------------------------------------------------------

    @Test
    void creatorOwnsANewOrganization() {
        User alice = user("alice");
        Organization acme = orgs.createOrganization("acme", alice.id());
        assertThat(acme.name()).isEqualTo("acme");
        assertThat(orgs.findOrganization("ACME")).contains(acme);
        assertThat(orgs.roleOf("acme", alice.id())).contains(OrgRole.OWNER);
        assertThat(orgs.organizationsOf(alice.id())).containsExactly(acme);
        assertThat(orgs.listMembers("acme")).singleElement()
                .satisfies(m -> assertThat(m.role()).isEqualTo(OrgRole.OWNER));
        assertReason(Reason.INVALID_INPUT, () -> orgs.createOrganization("A", alice.id()));
        assertReason(Reason.NOT_FOUND, () -> orgs.createOrganization("ghost", 9999));
        assertThat(accounts.namespaceKind("ghost")).isEmpty(); // rolled back with the failed creation
    }

    @Test
    void managesMembersAndKeepsAnOwner() {
        User alice = user("alice");
        User bob = user("bob");
        orgs.createOrganization("acme", alice.id());
        assertThat(orgs.setMember("acme", "bob", OrgRole.EDITOR).role()).isEqualTo(OrgRole.EDITOR);
        assertThat(orgs.roleOf("acme", bob.id())).contains(OrgRole.EDITOR);
        assertReason(Reason.INVALID_STATE, () -> orgs.setMember("acme", "alice", OrgRole.MEMBER));
        assertReason(Reason.INVALID_STATE, () -> orgs.removeMember("acme", "alice"));
        orgs.setMember("acme", "bob", OrgRole.OWNER);
        orgs.setMember("acme", "alice", OrgRole.MEMBER);
        assertThat(orgs.listMembers("acme")).extracting(m -> m.user().username() + ":" + m.role().wireName())
                .containsExactly("alice:member", "bob:owner");
        assertThat(orgs.findMember("acme", "bob")).hasValueSatisfying(m -> {
            assertThat(m.user().id()).isEqualTo(bob.id());
            assertThat(m.role()).isEqualTo(OrgRole.OWNER);
        });
        assertThat(orgs.findMember("acme", "nobody")).isEmpty(); // no such user
        user("carol");
        assertThat(orgs.findMember("acme", "carol")).isEmpty(); // a user, not a member
        assertReason(Reason.NOT_FOUND, () -> orgs.findMember("nowhere", "bob"));
        orgs.removeMember("acme", "alice");
        assertThat(orgs.findMember("acme", "alice")).isEmpty();
        assertThat(orgs.roleOf("acme", alice.id())).isEmpty();
        assertReason(Reason.NOT_FOUND, () -> orgs.removeMember("acme", "alice"));
        assertReason(Reason.NOT_FOUND, () -> orgs.setMember("acme", "nobody", OrgRole.MEMBER));
        assertReason(Reason.NOT_FOUND, () -> orgs.setMember("nowhere", "bob", OrgRole.MEMBER));
        assertThat(OrgRole.parse("Editor")).isEqualTo(OrgRole.EDITOR);
        assertReason(Reason.INVALID_INPUT, () -> OrgRole.parse("boss"));
    }

    @Test
    void teamsHaveOrganizationMembersAndRepositoryPermissions() {
        User alice = user("alice");
        User bob = user("bob");
        user("carol");
        orgs.createOrganization("acme", alice.id());
        orgs.setMember("acme", "bob", OrgRole.MEMBER);
        Team devs = teams.createTeam("acme", "devs", "Developers");
        assertThat(devs).extracting(Team::org, Team::name, Team::description, Team::memberCount)
                .containsExactly("acme", "devs", "Developers", 0L);
        assertReason(Reason.CONFLICT, () -> teams.createTeam("acme", "devs", ""));
        assertReason(Reason.INVALID_INPUT, () -> teams.createTeam("acme", "Dev Team", ""));
        teams.addTeamMember("acme", "devs", "bob");
        teams.addTeamMember("acme", "devs", "bob"); // idempotent
        assertReason(Reason.INVALID_STATE, () -> teams.addTeamMember("acme", "devs", "carol"));
        assertThat(teams.listTeamMembers("acme", "devs")).extracting(User::username).containsExactly("bob");
        assertThat(teams.findTeam("acme", "devs")).map(Team::memberCount).contains(1L);

        assertReason(Reason.INVALID_INPUT,
                () -> teams.setTeamPermission("acme", "devs", "other/app", TeamPermission.READ));
        teams.setTeamPermission("acme", "devs", "acme/app", TeamPermission.READ);
        teams.setTeamPermission("acme", "devs", "acme/app", TeamPermission.WRITE);
        assertThat(teams.listTeamPermissions("acme", "devs")).extracting(TeamRepositoryPermission::permission)
                .containsExactly(TeamPermission.WRITE);
        assertThat(teams.relationship(bob.id(), "acme/app"))
                .isEqualTo(new Relationship(OrgRole.MEMBER, TeamPermission.WRITE));
        assertThat(teams.relationship(bob.id(), "acme/other")).isEqualTo(new Relationship(OrgRole.MEMBER, null));
        assertThat(teams.relationship(bob.id(), "bob/app")).isEqualTo(Relationship.NONE);

        // Two teams: the stronger permission counts.
        teams.createTeam("acme", "ops", null);
        teams.addTeamMember("acme", "ops", "bob");
        teams.setTeamPermission("acme", "ops", "acme/app", TeamPermission.ADMIN);
        assertThat(teams.relationship(bob.id(), "acme/app").teamPermission()).isEqualTo(TeamPermission.ADMIN);
        assertThat(teams.listRepositoryPermissions("acme/app")).extracting(TeamRepositoryPermission::team)
                .containsExactly("devs", "ops");
        assertThat(teams.listTeams("acme")).extracting(Team::name).containsExactly("devs", "ops");

        assertThat(teams.removeTeamPermission("acme", "ops", "acme/app")).isTrue();
        assertThat(teams.removeTeamPermission("acme", "ops", "acme/app")).isFalse();
        assertThat(teams.removeTeamMember("acme", "ops", "bob")).isTrue();
        teams.deleteTeam("acme", "ops");
        assertThat(teams.findTeam("acme", "ops")).isEmpty();
        assertReason(Reason.NOT_FOUND, () -> teams.deleteTeam("acme", "ops"));

        // Leaving the organization leaves its teams.
        orgs.removeMember("acme", "bob");
        assertThat(teams.listTeamMembers("acme", "devs")).isEmpty();
        assertThat(teams.relationship(bob.id(), "acme/app")).isEqualTo(Relationship.NONE);
    }

    // --- two-factor authentication -----------------------------------------------------------------------

    @Test
    void enrollsConfirmsAndVerifiesTotp() {
        User alice = user("alice");
        TotpEnrollment enrollment = twoFactor.startEnrollment(alice.id());
        assertThat(enrollment.otpauthUri()).startsWith("otpauth://totp/Wharf:alice?secret=" + enrollment.secret());
        assertThat(twoFactor.isEnabled(alice.id())).isFalse();
        String stored = database.jdbi().withHandle(h -> h.createQuery("SELECT totp_pending_secret FROM users")
                .mapTo(String.class).one());
        assertThat(stored).isNotBlank().doesNotContain(enrollment.secret());

        assertReason(Reason.INVALID_CREDENTIALS, () -> twoFactor.confirmEnrollment(alice.id(), "000000"));
        List<String> codes = twoFactor.confirmEnrollment(alice.id(), totp.code(enrollment.secret(), clock.instant()));
        assertThat(codes).hasSize(10).doesNotHaveDuplicates().allMatch(c -> c.matches("[a-z2-7]{4}(-[a-z2-7]{4}){3}"));
        assertThat(twoFactor.isEnabled(alice.id())).isTrue();
        assertThat(accounts.findUser("alice")).map(User::totpEnabled).contains(true);
        assertThat(twoFactor.remainingRecoveryCodes(alice.id())).isEqualTo(10);
        assertReason(Reason.INVALID_STATE, () -> twoFactor.startEnrollment(alice.id()));

        // The confirming code was used: it cannot log in within its window.
        assertThat(twoFactor.verifyLogin(alice.id(), totp.code(enrollment.secret(), clock.instant()))).isFalse();
        clock.advance(Duration.ofSeconds(30));
        String next = totp.code(enrollment.secret(), clock.instant());
        assertThat(twoFactor.verifyLogin(alice.id(), "12345")).isFalse();
        assertThat(twoFactor.verifyLogin(alice.id(), next)).isTrue();
        assertThat(twoFactor.verifyLogin(alice.id(), next)).as("replay").isFalse();
        // An older code that is still within the drift window is no good after a newer one was used.
        clock.advance(Duration.ofSeconds(30));
        assertThat(twoFactor.verifyLogin(alice.id(), next)).isFalse();
    }

    @Test
    void recoveryCodesWorkOnceEach() {
        User alice = user("alice");
        List<String> codes = enable(alice);
        String first = codes.getFirst();
        assertThat(twoFactor.verifyLogin(alice.id(), first.toUpperCase().replace("-", " "))).isTrue();
        assertThat(twoFactor.verifyLogin(alice.id(), first)).isFalse();
        assertThat(twoFactor.verifyLogin(alice.id(), "aaaa-aaaa-aaaa-aaaa")).isFalse();
        assertThat(twoFactor.remainingRecoveryCodes(alice.id())).isEqualTo(9);
        String stored = database.jdbi().withHandle(h -> h.createQuery("SELECT code_hash FROM recovery_codes LIMIT 1")
                .mapTo(String.class).one());
        assertThat(codes).noneMatch(c -> stored.contains(c.replace("-", "")));

        // Someone else's codes are not yours.
        User bob = user("bob");
        enable(bob);
        assertThat(twoFactor.verifyLogin(bob.id(), codes.get(1))).isFalse();
    }

    @Test
    void regeneratesRecoveryCodesWithATotpCode() {
        User alice = user("alice");
        String secret = twoFactor.startEnrollment(alice.id()).secret();
        List<String> old = twoFactor.confirmEnrollment(alice.id(), totp.code(secret, clock.instant()));
        clock.advance(Duration.ofSeconds(30));
        assertReason(Reason.INVALID_CREDENTIALS, () -> twoFactor.regenerateRecoveryCodes(alice.id(), old.get(0)));
        List<String> fresh = twoFactor.regenerateRecoveryCodes(alice.id(), totp.code(secret, clock.instant()));
        assertThat(fresh).hasSize(10).doesNotContainAnyElementsOf(old);
        assertThat(twoFactor.verifyLogin(alice.id(), old.get(1))).isFalse();
        assertThat(twoFactor.verifyLogin(alice.id(), fresh.get(1))).isTrue();
    }

    @Test
    void disablingNeedsAValidCode() {
        User alice = user("alice");
        List<String> codes = enable(alice);
        assertReason(Reason.INVALID_CREDENTIALS, () -> twoFactor.disable(alice.id(), "000000"));
        twoFactor.disable(alice.id(), codes.get(3));
        assertThat(twoFactor.isEnabled(alice.id())).isFalse();
        assertThat(twoFactor.remainingRecoveryCodes(alice.id())).isZero();
        assertThat(twoFactor.verifyLogin(alice.id(), codes.get(4))).isFalse();
        assertReason(Reason.INVALID_STATE, () -> twoFactor.disable(alice.id(), codes.get(4)));
        // Enrolling again works from scratch.
        enable(alice);
        assertThat(twoFactor.isEnabled(alice.id())).isTrue();
    }

    @Test
    void confirmingNeedsAStartedEnrollment() {
        User alice = user("alice");
        assertReason(Reason.INVALID_STATE, () -> twoFactor.confirmEnrollment(alice.id(), "123456"));
        assertReason(Reason.NOT_FOUND, () -> twoFactor.startEnrollment(9999));
        assertThat(twoFactor.verifyLogin(alice.id(), "123456")).isFalse();
        assertThat(twoFactor.verifyLogin(9999, "123456")).isFalse();
    }

    @Test
    void aSealedSecretDoesNotOpenForAnotherUser() {
        User alice = user("alice");
        User bob = user("bob");
        twoFactor.startEnrollment(alice.id());
        twoFactor.startEnrollment(bob.id());
        database.inWriteTransaction(h -> h.execute("UPDATE users SET totp_pending_secret ="
                + " (SELECT totp_pending_secret FROM users WHERE username = 'alice') WHERE username = 'bob'"));
        assertThatThrownBy(() -> twoFactor.confirmEnrollment(bob.id(), "123456"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void eachCodeIsAcceptedOnceUnderConcurrency() throws Exception {
        User alice = user("alice");
        String secret = twoFactor.startEnrollment(alice.id()).secret();
        List<String> recovery = twoFactor.confirmEnrollment(alice.id(), totp.code(secret, clock.instant()));
        clock.advance(Duration.ofSeconds(30));
        String code = totp.code(secret, clock.instant());
        assertThat(concurrently(8, i -> twoFactor.verifyLogin(alice.id(), code))).containsOnlyOnce(true);
        assertThat(concurrently(8, i -> twoFactor.verifyLogin(alice.id(), recovery.getFirst()))).containsOnlyOnce(true);
    }

    @Test
    void aNameGoesToOneAccountUnderConcurrency() throws Exception {
        User alice = user("alice");
        List<Boolean> created = concurrently(8, i -> {
            try {
                if (i % 2 == 0) user("taken");
                else orgs.createOrganization("taken", alice.id());
                return true;
            } catch (IdentityException e) {
                assertThat(e.reason()).isEqualTo(Reason.CONFLICT);
                return false;
            }
        });
        assertThat(created).containsOnlyOnce(true);
    }

    /** Runs the task n times at once (task i gets i) and returns the results in order. */
    static <T> List<T> concurrently(int n, IntFunction<T> task) throws Exception {
        var pool = Executors.newFixedThreadPool(n);
        try {
            var start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.apply(index);
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (var future : futures) results.add(future.get(60, TimeUnit.SECONDS));
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private List<String> enable(User user) {
        String secret = twoFactor.startEnrollment(user.id()).secret();
        return twoFactor.confirmEnrollment(user.id(), totp.code(secret, clock.instant()));
    }

    // --- personal access tokens --------------------------------------------------------------------------

    @Test
    void createsPersonalAccessTokensStoringOnlyAHash() {
        User alice = user("alice");
        CreatedToken<PersonalAccessToken> created = tokens.create(alice.id(), "CI token", List.of("repo:read", "repo:write"),
                null, new TokenOrigin(null, "10.0.0.7", "docker/27", null));
        String secret = created.secret();
        assertThat(secret).startsWith("dckr_pat_").hasSize(9 + 43);
        assertThat(created.toString()).doesNotContain(secret);
        PersonalAccessToken token = created.token();
        assertThat(token.uuid()).matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        assertThat(token).extracting(PersonalAccessToken::tokenLabel, PersonalAccessToken::scopes,
                        PersonalAccessToken::isActive, PersonalAccessToken::createdAt, PersonalAccessToken::lastUsed,
                        PersonalAccessToken::generatedBy, PersonalAccessToken::creatorIp, PersonalAccessToken::creatorUa,
                        PersonalAccessToken::username)
                .containsExactly("CI token", List.of("repo:read", "repo:write"), true, T0, null, "manual", "10.0.0.7",
                        "docker/27", "alice");
        assertThat(token.scope()).isEqualTo(AccessScope.WRITE);
        // Stored: the first 8 random characters (an index key) and the SHA-256 of the whole token; nothing more.
        Map<String, Object> row = database.jdbi().withHandle(h -> h.createQuery(
                "SELECT lookup_prefix, secret_hash FROM personal_access_tokens").mapToMap().one());
        assertThat(row.get("lookup_prefix")).isEqualTo(secret.substring(9, 17));
        assertThat(row.get("secret_hash")).isEqualTo(TokenSecrets.hash(secret));
        assertThat(TokenSecrets.hash(secret)).hasSize(64).doesNotContain(secret.substring(17));
    }

    @Test
    void authenticatesPersonalAccessTokens() {
        User alice = user("alice");
        user("bob");
        String secret = tokens.create(alice.id(), "ci", List.of("repo:write"), null, null).secret();
        Principal.PersonalToken principal = tokens.authenticate("alice", secret).orElseThrow();
        assertThat(principal.user()).isEqualTo(alice.principal());
        assertThat(principal.scope()).isEqualTo(AccessScope.WRITE);
        assertThat(tokens.authenticate("Alice", secret)).isPresent();
        assertThat(tokens.authenticate("bob", secret)).isEmpty();
        char last = secret.charAt(secret.length() - 1);
        String altered = secret.substring(0, secret.length() - 1) + (last == 'A' ? 'B' : 'A'); // same lookup prefix
        assertThat(tokens.authenticate("alice", altered)).isEmpty();
        assertThat(tokens.authenticate("alice", PASSWORD)).isEmpty();
        assertThat(tokens.authenticate("alice", null)).isEmpty();
        assertThat(tokens.list(alice.id(), 1, 10).results().getFirst().lastUsed()).isEqualTo(T0);
    }

    @Test
    void lastUsedIsRecordedAboutOnceAMinute() {
        User alice = user("alice");
        String secret = tokens.create(alice.id(), "ci", List.of("repo:read"), null, null).secret();
        tokens.authenticate("alice", secret);
        clock.advance(Duration.ofSeconds(30));
        tokens.authenticate("alice", secret);
        assertThat(tokens.list(alice.id(), 1, 10).results().getFirst().lastUsed()).isEqualTo(T0);
        clock.advance(Duration.ofSeconds(31));
        tokens.authenticate("alice", secret);
        assertThat(tokens.list(alice.id(), 1, 10).results().getFirst().lastUsed()).isEqualTo(T0.plusSeconds(61));
    }

    @Test
    void inactiveExpiredAndDeletedTokensDoNotAuthenticate() {
        User alice = user("alice");
        CreatedToken<PersonalAccessToken> paused = tokens.create(alice.id(), "paused", List.of("repo:read"), null, null);
        CreatedToken<PersonalAccessToken> expiring = tokens.create(alice.id(), "expiring", List.of("repo:read"),
                T0.plusSeconds(60), null);
        CreatedToken<PersonalAccessToken> deleted = tokens.create(alice.id(), "deleted", List.of("repo:read"), null, null);
        tokens.update(alice.id(), paused.token().uuid(), null, false);
        assertThat(tokens.authenticate("alice", paused.secret())).isEmpty();
        tokens.update(alice.id(), paused.token().uuid(), null, true);
        assertThat(tokens.authenticate("alice", paused.secret())).isPresent();

        assertThat(tokens.authenticate("alice", expiring.secret())).isPresent();
        clock.advance(Duration.ofSeconds(60));
        assertThat(tokens.authenticate("alice", expiring.secret())).isEmpty();

        assertThat(tokens.delete(alice.id(), deleted.token().uuid())).isTrue();
        assertThat(tokens.delete(alice.id(), deleted.token().uuid())).isFalse();
        assertThat(tokens.authenticate("alice", deleted.secret())).isEmpty();
    }

    @Test
    void listsGetsAndUpdatesOnlyTheOwnersTokens() {
        User alice = user("alice");
        User bob = user("bob");
        for (int i = 1; i <= 3; i++) {
            tokens.create(alice.id(), "token " + i, List.of("repo:read"), null, null);
            clock.advance(Duration.ofSeconds(1));
        }
        PersonalAccessToken bobs = tokens.create(bob.id(), "bob's", List.of("repo:admin"), null, null).token();
        TokenPage page = tokens.list(alice.id(), 1, 2);
        assertThat(page.count()).isEqualTo(3);
        assertThat(page.activeCount()).isEqualTo(3);
        assertThat(page.results()).extracting(PersonalAccessToken::tokenLabel).containsExactly("token 3", "token 2");
        assertThat(tokens.list(alice.id(), 2, 2).results()).extracting(PersonalAccessToken::tokenLabel)
                .containsExactly("token 1");

        String uuid = page.results().getFirst().uuid();
        PersonalAccessToken renamed = tokens.update(alice.id(), uuid, "renamed", null);
        assertThat(renamed.tokenLabel()).isEqualTo("renamed");
        assertThat(renamed.isActive()).isTrue();
        assertThat(tokens.update(alice.id(), uuid, null, false).isActive()).isFalse();
        assertThat(tokens.list(alice.id(), 1, 10).activeCount()).isEqualTo(2);
        assertThat(tokens.get(alice.id(), uuid)).map(PersonalAccessToken::tokenLabel).contains("renamed");

        assertThat(tokens.get(alice.id(), bobs.uuid())).isEmpty();
        assertReason(Reason.NOT_FOUND, () -> tokens.update(alice.id(), bobs.uuid(), "mine", true));
        assertThat(tokens.delete(alice.id(), bobs.uuid())).isFalse();
        assertThat(tokens.get(bob.id(), bobs.uuid())).map(PersonalAccessToken::tokenLabel).contains("bob's");
    }

    @Test
    void validatesNewTokens() {
        User alice = user("alice");
        assertReason(Reason.INVALID_INPUT, () -> tokens.create(alice.id(), "", List.of("repo:read"), null, null));
        assertReason(Reason.INVALID_INPUT, () -> tokens.create(alice.id(), "x".repeat(101), List.of("repo:read"), null, null));
        assertReason(Reason.INVALID_INPUT, () -> tokens.create(alice.id(), "ci", List.of(), null, null));
        assertReason(Reason.INVALID_INPUT, () -> tokens.create(alice.id(), "ci", List.of("repo:all"), null, null));
        assertReason(Reason.INVALID_INPUT, () -> tokens.create(alice.id(), "ci", List.of("repo:read"), T0, null));
        assertReason(Reason.NOT_FOUND, () -> tokens.create(9999, "ci", List.of("repo:read"), null, null));
        assertThat(tokens.list(alice.id(), 1, 10).count()).isZero();
    }

    // --- organization access tokens ----------------------------------------------------------------------

    @Test
    void organizationTokensRoundTripAndAuthenticate() {
        User alice = user("alice");
        orgs.createOrganization("acme", alice.id());
        List<OrgTokenResource> resources = List.of(
                new OrgTokenResource(Type.TYPE_REPO, "acme/app", List.of(OrgTokenResource.PULL, OrgTokenResource.PUSH)),
                new OrgTokenResource(Type.TYPE_REPO, "*/*/public", List.of(OrgTokenResource.PULL)));
        CreatedToken<OrgAccessToken> created = orgTokens.create("acme", alice.id(), "CI", "pipeline", resources,
                T0.plus(Duration.ofDays(30)));
        assertThat(created.secret()).startsWith("dckr_oat_");
        OrgAccessToken token = created.token();
        assertThat(token).extracting(OrgAccessToken::org, OrgAccessToken::label, OrgAccessToken::description,
                        OrgAccessToken::createdBy, OrgAccessToken::isActive, OrgAccessToken::createdAt,
                        OrgAccessToken::lastUsedAt)
                .containsExactly("acme", "CI", "pipeline", "alice", true, T0, null);
        assertThat(token.resources()).containsExactlyInAnyOrderElementsOf(resources);

        Principal.OrgToken principal = orgTokens.authenticate("acme", created.secret()).orElseThrow();
        assertThat(principal.org()).isEqualTo("acme");
        assertThat(principal.resources()).containsExactlyInAnyOrderElementsOf(resources);
        assertThat(orgTokens.get("acme", token.id())).map(OrgAccessToken::lastUsedAt).contains(T0);
        assertThat(orgTokens.authenticate("alice", created.secret())).isEmpty();
        assertThat(orgTokens.authenticate("acme", created.secret().replace("dckr_oat_", "dckr_pat_"))).isEmpty();
        assertThat(tokens.authenticate("alice", created.secret())).isEmpty();

        clock.advance(Duration.ofDays(30));
        assertThat(orgTokens.authenticate("acme", created.secret())).isEmpty();
    }

    @Test
    void organizationTokensAreListedUpdatedAndDeletedPerOrganization() {
        User alice = user("alice");
        orgs.createOrganization("acme", alice.id());
        orgs.createOrganization("globex", alice.id());
        List<OrgTokenResource> pull = List.of(new OrgTokenResource(Type.TYPE_REPO, "acme/*", List.of(OrgTokenResource.PULL)));
        CreatedToken<OrgAccessToken> first = orgTokens.create("acme", alice.id(), "one", null, pull, null);
        clock.advance(Duration.ofSeconds(1));
        orgTokens.create("acme", alice.id(), "two", null, pull, null);
        CreatedToken<OrgAccessToken> other = orgTokens.create("globex", alice.id(), "theirs", null,
                List.of(new OrgTokenResource(Type.TYPE_REPO, "globex/app", List.of(OrgTokenResource.PULL))), null);

        Page<OrgAccessToken> page = orgTokens.list("acme", 1, 10);
        assertThat(page.count()).isEqualTo(2);
        assertThat(page.results()).extracting(OrgAccessToken::label).containsExactly("two", "one");
        assertThat(page.results().getFirst().resources()).isEqualTo(pull);

        List<OrgTokenResource> push = List.of(new OrgTokenResource(Type.TYPE_REPO, "acme/app", List.of(OrgTokenResource.PUSH)));
        OrgAccessToken updated = orgTokens.update("acme", first.token().id(), "renamed", null, push, false);
        assertThat(updated).extracting(OrgAccessToken::label, OrgAccessToken::description, OrgAccessToken::isActive)
                .containsExactly("renamed", "", false);
        assertThat(updated.resources()).isEqualTo(push);
        assertThat(orgTokens.authenticate("acme", first.secret())).isEmpty();
        assertThat(orgTokens.update("acme", first.token().id(), null, null, null, true).resources()).isEqualTo(push);
        assertThat(orgTokens.authenticate("acme", first.secret())).map(Principal.OrgToken::resources).contains(push);

        assertThat(orgTokens.get("acme", other.token().id())).isEmpty();
        assertReason(Reason.NOT_FOUND, () -> orgTokens.update("acme", other.token().id(), "x", null, null, null));
        assertThat(orgTokens.delete("acme", other.token().id())).isFalse();
        assertThat(orgTokens.delete("globex", other.token().id())).isTrue();
        assertThat(orgTokens.authenticate("globex", other.secret())).isEmpty();

        assertReason(Reason.INVALID_INPUT, () -> orgTokens.create("acme", alice.id(), "bad", null,
                List.of(new OrgTokenResource(Type.TYPE_REPO, "globex/app", List.of(OrgTokenResource.PULL))), null));
        assertReason(Reason.INVALID_INPUT, () -> orgTokens.create("acme", alice.id(), "bad", null, List.of(), null));
        assertReason(Reason.INVALID_INPUT, () -> orgTokens.create("acme", alice.id(), "bad", null, List.of(pull.getFirst(),
                pull.getFirst()), null));
        assertReason(Reason.NOT_FOUND, () -> orgTokens.create("nowhere", alice.id(), "x", null,
                List.of(new OrgTokenResource(Type.TYPE_REPO, "nowhere/app", List.of(OrgTokenResource.PULL))), null));
        assertThat(orgTokens.list("acme", 1, 10).count()).isEqualTo(2);
    }

    // --- repository privacy and access control -----------------------------------------------------------

    /** A repository as the registry records it on first push (privacy only has a default for those). */
    private void existingRepository(String name) {
        database.inWriteTransaction(h -> h.createUpdate(
                "INSERT INTO repositories (name, created_at) VALUES (:name, 0)").bind("name", name).execute());
    }

    @Test
    void repositoryPrivacyDefaultsAndIsStored() {
        User alice = user("alice");
        assertThat(settings.isPrivate("alice/app")).as("a missing repository counts as private").isTrue();
        existingRepository("alice/app");
        assertThat(settings.isPrivate("alice/app")).as("an existing one takes the default").isFalse();
        assertThat(settings.find("alice/app")).isEmpty();
        RepositorySettings created = settings.setPrivate("alice/app", true, alice.id());
        assertThat(created).isEqualTo(new RepositorySettings("alice/app", true, alice.id(), T0, T0));
        clock.advance(Duration.ofSeconds(5));
        RepositorySettings changed = settings.setPrivate("alice/app", false, null);
        assertThat(changed).isEqualTo(new RepositorySettings("alice/app", false, alice.id(), T0, T0.plusSeconds(5)));
        assertThat(new RepositorySettingsService(database, clock, true).isPrivate("alice/other")).isTrue();
        assertThat(settings.delete("alice/app")).isTrue();
        assertThat(settings.find("alice/app")).isEmpty();
        assertReason(Reason.INVALID_INPUT, () -> settings.setPrivate("Bad/Name", true, null));
        assertReason(Reason.INVALID_INPUT, () -> settings.setPrivate("nonamespace", true, null));
    }

    @Test
    void accessControlJoinsPrivacyMembershipsAndTokens() {
        User alice = user("alice");
        User bob = user("bob");
        User carol = user("carol");
        orgs.createOrganization("acme", alice.id());
        orgs.setMember("acme", "bob", OrgRole.MEMBER);
        teams.createTeam("acme", "devs", "");
        teams.addTeamMember("acme", "devs", "bob");
        teams.setTeamPermission("acme", "devs", "acme/app", TeamPermission.WRITE);
        settings.setPrivate("acme/app", true, alice.id());

        Set<Action> pullPush = Set.of(Action.PULL, Action.PUSH);
        assertThat(access.allowed(alice.principal(), "acme/app")).containsExactlyInAnyOrder(Action.values());
        assertThat(access.allowed(bob.principal(), "acme/app")).isEqualTo(pullPush);
        assertThat(access.visible(carol.principal(), "acme/app")).isFalse();
        assertThat(access.visible(Principal.ANONYMOUS, "acme/app")).isFalse();
        assertThat(access.visible(Principal.ANONYMOUS, "acme/public")).as("missing: private").isFalse();
        existingRepository("acme/public");
        assertThat(access.visible(Principal.ANONYMOUS, "acme/public")).isTrue();

        String readOnly = tokens.create(bob.id(), "ro", List.of("repo:read"), null, null).secret();
        Principal viaToken = tokens.authenticate("bob", readOnly).orElseThrow();
        assertThat(access.allowed(viaToken, "acme/app")).containsExactly(Action.PULL);

        String oat = orgTokens.create("acme", alice.id(), "ci", null,
                List.of(new OrgTokenResource(Type.TYPE_REPO, "acme/app", List.of(OrgTokenResource.PUSH))), null).secret();
        Optional<Principal.OrgToken> ci = orgTokens.authenticate("acme", oat);
        assertThat(access.allowed(ci.orElseThrow(), "acme/app")).isEqualTo(pullPush);
        existingRepository("alice/app"); // public by default once it exists
        assertThat(access.allowed(ci.orElseThrow(), "alice/app")).containsExactly(Action.PULL);
    }
}
