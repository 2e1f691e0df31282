package dev.wharf.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.audit.AuditContext;
import dev.wharf.audit.AuditEvent;
import dev.wharf.audit.AuditQuery;
import dev.wharf.auth.AccessControl;
import dev.wharf.auth.AccessScope;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.Action;
import dev.wharf.auth.IdentityException;
import dev.wharf.auth.MirrorNamespaces;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.auth.Permissions;
import dev.wharf.auth.Principal;
import dev.wharf.auth.RepositorySettingsService;
import dev.wharf.auth.SecretBox;
import dev.wharf.config.MirrorsConfig;
import dev.wharf.storage.meta.AuditLog;
import dev.wharf.storage.meta.Database;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defining mirrors (configuration and API), their audit trail and sealed secrets, and who may do what. */
class MirrorAdminTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);
    private static final SecretBox BOX = SecretBox.fromBase64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");

    @TempDir
    Path dir;
    Database database;
    AccountService accounts;
    Mirrors mirrors;

    /** A migrated, empty database (SQLite here; PostgresMirrorAdminTest runs the same on PostgreSQL). */
    protected Database openDatabase() {
        return Database.open("jdbc:sqlite:" + dir.resolve("meta.db"), null, null, 4, null);
    }

    @BeforeEach
    void open() {
        database = openDatabase();
        accounts = new AccountService(database, new PasswordHasher(1024, 1, 1), CLOCK);
        mirrors = new Mirrors(new MirrorStore(database, BOX), CLOCK, "hub");
    }

    @AfterEach
    void close() {
        AuditContext.clear();
        database.close();
    }

    private MirrorAdmin admin(MirrorsConfig.Defined... defined) {
        return new MirrorAdmin(mirrors, new MirrorsConfig(List.of(defined), "hub", Duration.ofMinutes(10), true,
                Duration.ofSeconds(15), Duration.ZERO, true), CLOCK);
    }

    private List<AuditEvent> audit(String account) {
        return new AuditLog(database).list(new AuditQuery(account, null, null, null, null, null, 1, 100));
    }

    @Test
    void configMirrorsAreAppliedAuditedOnceAndTheirSecretIsSealed() {
        MirrorsConfig.Defined hub = new MirrorsConfig.Defined("hub", "https://registry-1.docker.io", "bot",
                "dckr_pat_very_secret");
        admin(hub).applyConfig();
        admin(hub).applyConfig(); // unchanged: no second event
        Mirror m = mirrors.named("hub").orElseThrow();
        assertThat(m.managedBy()).isEqualTo(Mirror.CONFIG);
        assertThat(m.credentials().secret()).isEqualTo("dckr_pat_very_secret");
        String stored = database.jdbi().withHandle(h -> h.createQuery("SELECT sealed_secret FROM mirrors")
                .mapTo(String.class).one());
        assertThat(stored).doesNotContain("dckr_pat_very_secret");
        assertThat(audit("hub")).extracting(AuditEvent::action).containsExactly("mirror.create");
        assertThat(audit("hub").get(0).toString()).doesNotContain("dckr_pat_very_secret");

        // Dropped from the configuration: removed at the next start.
        admin().applyConfig();
        assertThat(mirrors.named("hub")).isEmpty();
        assertThat(audit("hub")).extracting(AuditEvent::action).contains("mirror.delete");
    }

    /**
     * The race the namespace decision left open: a user and a mirror of one name created at the same moment each
     * checked the other's table before the other's row was there, and both got the name (the mirror's check even
     * ran in a transaction of its own, before the one that inserts). Now each claim locks the name, then checks,
     * then inserts, in one transaction: exactly one of the two gets it, every time.
     */
    @Test
    void aUserAndAMirrorClaimingOneNameAtOnceNeverBothGetIt() throws Exception {
        MirrorAdmin api = admin();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 40; i++) {
                String name = "race-" + i;
                CyclicBarrier start = new CyclicBarrier(2);
                Future<Boolean> user = threads.submit(() -> {
                    start.await();
                    try {
                        accounts.createUser(name, name + "@example.com", "correct horse battery", false);
                        return true;
                    } catch (IdentityException e) {
                        return false;
                    }
                });
                Future<Boolean> mirror = threads.submit(() -> {
                    start.await();
                    try {
                        api.put(name, new MirrorAdmin.Change("https://ghcr.io", null, null, null, null));
                        return true;
                    } catch (MirrorAdmin.Refused e) {
                        assertThat(e.status()).isEqualTo(409);
                        return false;
                    }
                });
                boolean userWon = user.get(30, TimeUnit.SECONDS);
                boolean mirrorWon = mirror.get(30, TimeUnit.SECONDS);
                assertThat(userWon && mirrorWon).as(name + " went to a user and a mirror at once").isFalse();
                assertThat(userWon || mirrorWon).as(name + " went to neither").isTrue();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void theApiCannotTouchConfigMirrorsOrTakeAnAccountsName() {
        admin(new MirrorsConfig.Defined("hub", "https://registry-1.docker.io", null, null)).applyConfig();
        MirrorAdmin api = admin(new MirrorsConfig.Defined("hub", "https://registry-1.docker.io", null, null));
        assertThatThrownBy(() -> api.put("hub", new MirrorAdmin.Change("https://other.example", null, null, null,
                null))).isInstanceOfSatisfying(MirrorAdmin.Refused.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThatThrownBy(() -> api.delete("hub")).isInstanceOfSatisfying(MirrorAdmin.Refused.class,
                e -> assertThat(e.status()).isEqualTo(409));

        accounts.createUser("alice", "alice@example.com", "correct horse battery", false);
        assertThatThrownBy(() -> api.put("alice", new MirrorAdmin.Change("https://ghcr.io", null, null, null, null)))
                .isInstanceOfSatisfying(MirrorAdmin.Refused.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThatThrownBy(() -> api.put("ghcr", new MirrorAdmin.Change("https://u:p@ghcr.io", null, null, null,
                null))).isInstanceOfSatisfying(MirrorAdmin.Refused.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> api.put("ghcr", new MirrorAdmin.Change("https://ghcr.io", "bot", null, null,
                null))).hasMessageContaining("go together");
    }

    @Test
    void theApiCreatesChangesAndDeletesWithAnAuditTrailInTheAdminsName() {
        MirrorAdmin api = admin();
        AuditContext.setActor("root");
        assertThat(api.put("ghcr", new MirrorAdmin.Change("https://ghcr.io/", "bot", "ghp_secret", 60L, false)))
                .isTrue();
        Mirror m = api.find("ghcr").orElseThrow();
        assertThat(m.upstream()).isEqualTo("https://ghcr.io");
        assertThat(m.revalidateAfter()).isEqualTo(Duration.ofMinutes(1));
        assertThat(m.anonymousPulls()).isFalse();
        // Fields left out keep their value, the secret included.
        assertThat(api.put("ghcr", new MirrorAdmin.Change(null, null, null, null, true))).isFalse();
        m = api.find("ghcr").orElseThrow();
        assertThat(m.credentials().secret()).isEqualTo("ghp_secret");
        assertThat(m.anonymousPulls()).isTrue();
        api.delete("ghcr");
        assertThat(api.find("ghcr")).isEmpty();
        assertThat(audit("ghcr")).extracting(AuditEvent::action)
                .containsExactlyInAnyOrder("mirror.create", "mirror.update", "mirror.delete");
        assertThat(audit("ghcr")).extracting(AuditEvent::actor).containsOnly("root");
        assertThat(audit("ghcr").toString()).doesNotContain("ghp_secret");
    }

    @Test
    void aMirrorHasItsOwnEvictionSettingOrTheServers() {
        MirrorAdmin api = admin();
        AuditContext.setActor("root");
        api.put("ghcr", new MirrorAdmin.Change("https://ghcr.io", null, null, null, null));
        assertThat(api.find("ghcr").orElseThrow().evictUnusedAfter()).as("the server's, unless set").isNull();
        api.put("ghcr", new MirrorAdmin.Change(null, null, null, null, null, 86400L, false));
        assertThat(api.find("ghcr").orElseThrow().evictUnusedAfter()).isEqualTo(Duration.ofDays(1));
        api.put("ghcr", new MirrorAdmin.Change(null, null, null, 60L, null));
        assertThat(api.find("ghcr").orElseThrow().evictUnusedAfter()).as("left out: kept").isEqualTo(Duration.ofDays(1));
        api.put("ghcr", new MirrorAdmin.Change(null, null, null, null, null, 0L, false));
        assertThat(api.find("ghcr").orElseThrow().evictUnusedAfter()).as("never").isEqualTo(Duration.ZERO);
        assertThat(audit("ghcr")).extracting(AuditEvent::data)
                .anySatisfy(data -> assertThat(data).containsEntry("evict_unused_seconds", "0"));
        api.put("ghcr", new MirrorAdmin.Change(null, null, null, null, null, null, true));
        assertThat(api.find("ghcr").orElseThrow().evictUnusedAfter()).as("back to the server's").isNull();
        for (long wrong : new long[] {-1, MirrorAdmin.MAX_EVICT.toSeconds() + 1}) {
            assertThatThrownBy(() -> api.put("ghcr", new MirrorAdmin.Change(null, null, null, null, null, wrong,
                    false))).isInstanceOfSatisfying(MirrorAdmin.Refused.class, e -> assertThat(e.status()).isEqualTo(400))
                    .hasMessageContaining("evict_unused_seconds");
        }
    }

    @Test
    void aConfiguredMirrorTakesItsEvictionSettingFromTheConfiguration() {
        admin(new MirrorsConfig.Defined("ghcr", "https://ghcr.io", null, null, Duration.ofDays(7))).applyConfig();
        assertThat(mirrors.named("ghcr").orElseThrow().evictUnusedAfter()).isEqualTo(Duration.ofDays(7));
        // Changed in the configuration: applied at the next start, and audited once as an update.
        admin(new MirrorsConfig.Defined("ghcr", "https://ghcr.io", null, null, null)).applyConfig();
        admin(new MirrorsConfig.Defined("ghcr", "https://ghcr.io", null, null, null)).applyConfig();
        assertThat(mirrors.named("ghcr").orElseThrow().evictUnusedAfter()).as("the server's again").isNull();
        assertThat(audit("ghcr")).extracting(AuditEvent::action).containsExactlyInAnyOrder("mirror.create",
                "mirror.update");
    }

    @Test
    void eachMirrorEvictsAfterItsOwnSettingAndZeroNeverEvicts() {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");
        List<Mirror> all = List.of(mirror("own", Duration.ofHours(2)), mirror("never", Duration.ZERO),
                mirror("server", null));
        assertThat(MirrorService.evictionCutoffs(all, Duration.ofDays(30), now)).containsExactly(
                Map.entry("own", now.minus(Duration.ofHours(2))), Map.entry("server", now.minus(Duration.ofDays(30))));
        assertThat(MirrorService.evictionCutoffs(all, Duration.ZERO, now)).as("the server evicts nothing by default")
                .containsExactly(Map.entry("own", now.minus(Duration.ofHours(2))));
    }

    private static Mirror mirror(String name, Duration evictAfter) {
        Instant t = Instant.parse("2026-11-01T00:00:00Z");
        return new Mirror(name, "https://" + name + ".example", null, Duration.ofMinutes(10), true, evictAfter,
                Mirror.API, t, t);
    }

    @Test
    void aMirrorsNameCannotBecomeAUserOrOrganization() {
        admin(new MirrorsConfig.Defined("hub", "https://registry-1.docker.io", null, null)).applyConfig();
        assertThatThrownBy(() -> accounts.createUser("hub", "hub@example.com", "correct horse battery", false))
                .isInstanceOfSatisfying(IdentityException.class,
                        e -> assertThat(e.reason()).isEqualTo(IdentityException.Reason.CONFLICT))
                .hasMessageContaining("pull-through mirror");
    }

    @Test
    void mirrorRepositoriesArePullOnlyWhateverTheirPrivacy() {
        RepositorySettingsService settings = new RepositorySettingsService(database, CLOCK, true);
        AccessControl access = new AccessControl(new Permissions(CLOCK), accounts, settings);
        boolean[] anonymous = {true};
        access.useMirrors(new MirrorNamespaces() {
            @Override
            public Optional<String> mirrorOf(String repository) {
                return repository.startsWith("hub/") ? Optional.of("hub") : Optional.empty();
            }

            @Override
            public boolean anonymousPulls(String mirror) {
                return anonymous[0];
            }
        });
        Principal.UserPrincipal alice = new Principal.UserPrincipal(1, "alice", false);
        Principal.UserPrincipal root = new Principal.UserPrincipal(2, "root", true);
        assertThat(access.allowed(Principal.ANONYMOUS, "hub/library/alpine")).containsExactly(Action.PULL);
        assertThat(access.allowed(alice, "hub/library/alpine")).containsExactly(Action.PULL);
        assertThat(access.allowed(root, "hub/library/alpine")).containsExactlyInAnyOrder(Action.PULL, Action.DELETE);
        Principal dead = new Principal.PersonalToken(alice, AccessScope.READ, "t", false, null);
        assertThat(access.allowed(dead, "hub/library/alpine")).isEmpty();
        anonymous[0] = false;
        assertThat(access.allowed(Principal.ANONYMOUS, "hub/library/alpine")).isEmpty();
        assertThat(access.allowed(alice, "hub/library/alpine")).isEqualTo(EnumSet.of(Action.PULL));
        // Outside the mirror, the usual rules: a private repository of nobody is nothing to Alice.
        assertThat(access.allowed(alice, "bob/app")).isEmpty();
    }
    @Test
    void evictionDropsTagsAndManifestsNobodyPulledSinceTheCutoff() {
        MirrorStore store = mirrors.store();
        dev.wharf.model.Digest old = dev.wharf.model.Digest.sha256(new byte[] {1});
        dev.wharf.model.Digest used = dev.wharf.model.Digest.sha256(new byte[] {2});
        Instant t0 = Instant.parse("2026-10-01T00:00:00Z");
        store.putManifest("hub/library/old", old, "application/vnd.oci.image.manifest.v1+json", new byte[] {1},
                List.of(), t0);
        store.putTag("hub/library/old", "1", old, t0);
        store.putManifest("hub/library/used", used, "application/vnd.oci.image.manifest.v1+json", new byte[] {2},
                List.of(), t0);
        store.putTag("hub/library/used", "1", used, t0);
        store.touchTag("hub/library/used", "1", Instant.parse("2026-11-30T00:00:00Z"));
        store.putTag("other/library/old", "1", old, t0); // another mirror's: not this eviction's business
        List<MirrorStore.CachedTag> evicted = store.evictTags("hub", Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(evicted).extracting(MirrorStore.CachedTag::repository).containsExactly("hub/library/old");
        assertThat(store.tag("other/library/old", "1")).isPresent();
        assertThat(store.tag("hub/library/old", "1")).isEmpty();
        assertThat(store.manifest("hub/library/old", old)).isEmpty();
        assertThat(store.tag("hub/library/used", "1")).isPresent();
        // Its tag still names it: the manifest stays although it was fetched long ago.
        assertThat(store.manifest("hub/library/used", used)).isPresent();
        assertThat(store.repositoryStats("hub/library/used").lastRevalidated()).contains(t0);
        assertThat(store.repositoryStats("hub/library/old").lastRevalidated()).isEmpty();
    }

    @Test
    void hitsAndMissesAddUpPerRepositoryAcrossFlushesAndNodes() {
        MirrorStore store = mirrors.store();
        RepositoryCounts nodeA = new RepositoryCounts(store);
        RepositoryCounts nodeB = new RepositoryCounts(store);
        assertThat(store.repositoryStats("hub/library/alpine"))
                .isEqualTo(new MirrorStore.RepositoryStats(Optional.empty(), 0, 0));
        nodeA.miss("hub/library/alpine");
        nodeA.hit("hub/library/alpine");
        nodeA.hit("hub/library/alpine");
        nodeB.hit("hub/library/alpine");
        nodeB.miss("hub/library/redis");
        // Nothing is written before a flush: a pull never waits for the count.
        assertThat(store.repositoryStats("hub/library/alpine").hits()).isZero();
        nodeA.flush();
        nodeB.flush();
        nodeA.flush(); // nothing new: adds nothing
        assertThat(store.repositoryStats("hub/library/alpine"))
                .isEqualTo(new MirrorStore.RepositoryStats(Optional.empty(), 3, 1));
        assertThat(store.repositoryStats("hub/library/redis").misses()).isEqualTo(1);
        assertThat(store.totals("hub")).isEqualTo(new MirrorStore.MirrorTotals(2, 3, 2));
        assertThat(store.totals("hu")).isEqualTo(new MirrorStore.MirrorTotals(0, 0, 0));
        // Deleting a mirror deletes its counts.
        MirrorAdmin api = admin();
        AuditContext.setActor("root");
        api.put("ghcr", new MirrorAdmin.Change("https://ghcr.io", null, null, null, null));
        nodeA.hit("ghcr/org/tool");
        nodeA.flush();
        assertThat(store.totals("ghcr").hits()).isEqualTo(1);
        api.delete("ghcr");
        assertThat(store.totals("ghcr").repositories()).isZero();
        assertThat(store.totals("hub").repositories()).isEqualTo(2);
    }
}
