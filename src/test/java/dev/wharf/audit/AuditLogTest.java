package dev.wharf.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.auth.AccessTokenService;
import dev.wharf.auth.AccountService;
import dev.wharf.auth.PasswordHasher;
import dev.wharf.auth.User;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.AuditLog;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.ManifestWrite;
import dev.wharf.storage.meta.MissingReferencesException;
import dev.wharf.storage.meta.SqlMetadataStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/** Audit events are written in the same transaction as the change, on SQLite and on PostgreSQL. */
class AuditLogTest {
    static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    @TempDir Path dir;
    Database database;
    String schema;

    Database open(String dialect) {
        if (dialect.equals("sqlite")) {
            return Database.open("jdbc:sqlite:" + dir.resolve("a.db"), null, null, 4, null);
        }
        schema = "wharf_audit_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        return Database.open("jdbc:postgresql://127.0.0.1:5432/test", "postgres", null, 4, schema);
    }

    @AfterEach
    void close() throws Exception {
        if (database != null) database.close();
        if (schema != null) {
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", null);
                    Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void registryChangesAreAuditedWithTheirActor(String dialect) {
        database = open(dialect);
        SqlMetadataStore store = new SqlMetadataStore(database);
        AuditLog log = new AuditLog(database);
        Digest blob = Digest.sha256("layer".getBytes());
        as("alice", () -> {
            store.linkBlob("alice/app", blob, 5, T0);
            store.putManifest("alice/app", manifest("one", blob), "latest", T0.plusSeconds(1));
            store.putManifest("alice/app", manifest("two", blob), "latest", T0.plusSeconds(2));
            store.deleteTag("alice/app", "latest", T0.plusSeconds(3));
            return null;
        });
        List<AuditEvent> events = log.list(new AuditQuery("alice", null, null, null, null, null, 1, 25));
        assertThat(events).extracting(AuditEvent::action)
                .containsExactly("repo.tag.delete", "repo.tag.move", "repo.tag.push", "repo.create");
        assertThat(events).allSatisfy(e -> {
            assertThat(e.actor()).isEqualTo("alice");
            assertThat(e.name()).isEqualTo("alice/app");
        });
        assertThat(events.get(2).data()).containsEntry("tag", "latest");
        assertThat(log.list(new AuditQuery("alice", "repo.tag.push", null, null, null, null, 1, 25))).hasSize(1);
        assertThat(log.list(new AuditQuery("alice", null, null, "bob", null, null, 1, 25))).isEmpty();
        assertThat(log.list(new AuditQuery("alice", null, null, null, T0.plusSeconds(2), null, 1, 25))).hasSize(2);
        assertThat(log.list(new AuditQuery("alice", null, null, null, null, null, 2, 3))).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aFailedChangeLeavesNoAuditEvent(String dialect) {
        database = open(dialect);
        SqlMetadataStore store = new SqlMetadataStore(database);
        Digest missing = Digest.sha256("missing".getBytes());
        assertThatThrownBy(() -> store.putManifest("bob/app", manifest("x", missing), "v1", T0))
                .isInstanceOf(MissingReferencesException.class);
        assertThat(new AuditLog(database).list(new AuditQuery("bob", null, null, null, null, null, 1, 25))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void identityChangesAreAuditedAndOldEventsExpire(String dialect) {
        database = open(dialect);
        Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
        AccountService accounts = new AccountService(database, new PasswordHasher(1024, 1, 1), clock);
        User carol = accounts.createUser("carol", "carol@example.com", "long-enough-pw", false);
        as("carol", () -> {
            accounts.organizations().createOrganization("acme", carol.id());
            new AccessTokenService(database, clock).create(carol.id(), "ci", List.of("repo:read"), null, null);
            return null;
        });
        AuditLog log = new AuditLog(database);
        assertThat(log.list(new AuditQuery("acme", null, null, null, null, null, 1, 25)))
                .extracting(AuditEvent::action).containsExactly("org.create");
        List<AuditEvent> mine = log.list(new AuditQuery("carol", null, null, null, null, null, 1, 25));
        assertThat(mine).extracting(AuditEvent::action).containsExactly("access_token.create");
        assertThat(mine.toString()).doesNotContain("dckr_pat_");
        assertThat(log.purgeOlderThan(T0.plusSeconds(1))).isEqualTo(2);
        assertThat(log.list(new AuditQuery("carol", null, null, null, null, null, 1, 25))).isEmpty();
    }

    private static <T> T as(String actor, Supplier<T> work) {
        return AuditContext.as(actor, work);
    }

    private static ManifestWrite manifest(String marker, Digest blob) {
        byte[] content = ("{\"schemaVersion\":2,\"marker\":\"" + marker + "\"}").getBytes(StandardCharsets.UTF_8);
        return new ManifestWrite(Digest.sha256(content), "application/vnd.oci.image.manifest.v1+json", null, content,
                List.of(blob), List.of(), null, null, content.length);
    }
}
