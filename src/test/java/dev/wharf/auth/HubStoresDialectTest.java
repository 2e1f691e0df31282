package dev.wharf.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.audit.AuditQuery;
import dev.wharf.model.Digest;
import dev.wharf.storage.meta.AuditLog;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.ManifestWrite;
import dev.wharf.storage.meta.RepositoryCatalog;
import dev.wharf.storage.meta.RepositorySummary;
import dev.wharf.storage.meta.SqlMetadataStore;
import dev.wharf.storage.meta.TagRecord;
import dev.wharf.testing.PostgresSchema;
import dev.wharf.testing.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SQL behind the Hub's repository views and restricted images, on both dialects (V8 tables). */
class HubStoresDialectTest {
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgresql"})
    void catalogAndRestrictions(String dialect) throws Exception {
        PostgresSchema schema = new PostgresSchema("wharf_hub_");
        Database db = dialect.equals("sqlite")
                ? Database.open("jdbc:sqlite:" + dir.resolve("meta.db"), null, null, 4, null)
                : schema.open(4, null);
        try (SqlMetadataStore meta = new SqlMetadataStore(db)) {
            Clock clock = Clock.fixed(T0, ZoneOffset.UTC);
            AccountService accounts = new AccountService(db, TestServer.PASSWORDS, clock);
            catalog(meta, new RepositoryCatalog(db), new AuditLog(db));
            restrictions(accounts, new ImageRestrictions(db, accounts, clock));
        } finally {
            if (dialect.equals("postgresql")) schema.drop();
        }
    }

    private static void catalog(SqlMetadataStore meta, RepositoryCatalog catalog, AuditLog log) {
        byte[] layer = "layer".getBytes(StandardCharsets.UTF_8);
        Digest l = Digest.sha256(layer);
        meta.linkBlob("ns/app", l, layer.length, T0);
        meta.ensureRepository("ns/other", T0);
        meta.ensureRepository("nsx/app", T0);
        byte[] manifest = "{}".getBytes(StandardCharsets.UTF_8);
        meta.putManifest("ns/app", new ManifestWrite(Digest.sha256(manifest), "application/vnd.oci.image.manifest"
                + ".v1+json", null, manifest, List.of(l), List.of(), null, null, 7), "v1", T0.plusSeconds(5));
        meta.recordPull("ns/app", Digest.sha256(manifest), T0.plusSeconds(9));

        assertThat(catalog.repositoriesIn("ns")).containsExactly("ns/app", "ns/other");
        RepositorySummary s = catalog.summary("ns/app").orElseThrow();
        assertThat(s.pullCount()).isEqualTo(1);
        assertThat(s.lastPushed()).isEqualTo(T0.plusSeconds(5));
        assertThat(s.lastPulled()).isEqualTo(T0.plusSeconds(9));
        assertThat(s.storageSize()).isEqualTo(layer.length);
        assertThat(s.description()).isEmpty();
        assertThat(catalog.summary("ns/other").orElseThrow().lastPushed()).isNull();
        assertThat(catalog.summary("ns/none")).isEmpty();

        assertThat(catalog.tagCount("ns/app")).isEqualTo(1);
        TagRecord tag = catalog.tag("ns/app", "v1").orElseThrow();
        assertThat(tag.size()).isEqualTo(7);
        assertThat(tag.pullCount()).isEqualTo(1);
        assertThat(catalog.tags("ns/app", 0, 10)).extracting(TagRecord::name).containsExactly("v1");
        assertThat(catalog.tagNames("ns/app")).containsExactly("v1");

        catalog.setDescriptions("ns/app", "short", null, T0);
        catalog.setDescriptions("ns/app", null, "long", T0);
        catalog.setDescriptions("ns/app", "short", "long", T0); // unchanged: no event
        assertThat(catalog.summary("ns/app").orElseThrow()).extracting(RepositorySummary::description,
                RepositorySummary::fullDescription).containsExactly("short", "long");
        assertThat(log.list(new AuditQuery("ns", "repo.change_description", null, null, null, null, 1, 10)))
                .hasSize(2);
    }

    private static void restrictions(AccountService accounts, ImageRestrictions restrictions) {
        User owner = accounts.createUser("owner", "owner@example.com", "Secret-for-tests-1", false);
        User member = accounts.createUser("member", "member@example.com", "Secret-for-tests-1", false);
        accounts.organizations().createOrganization("corp", owner.id());
        accounts.organizations().setMember("corp", "member", OrgRole.MEMBER);
        accounts.createUser("official", "o@example.com", "Secret-for-tests-1", false);

        assertThat(restrictions.settings("corp")).isEqualTo(ImageRestrictions.Settings.DEFAULT);
        assertThat(restrictions.pullRefusal(member.principal(), "official/img")).isEmpty();
        restrictions.setSettings("corp", new ImageRestrictions.Settings(true, true, false));
        assertThat(restrictions.settings("corp").enabled()).isTrue();
        assertThat(restrictions.pullRefusal(member.principal(), "official/img")).isPresent();
        assertThat(restrictions.pullRefusal(member.principal(), "corp/img")).isEmpty();
        assertThat(restrictions.pullRefusal(Principal.ANONYMOUS, "official/img")).isEmpty();
        restrictions.setBadges("official", new ImageRestrictions.Badges(true, false));
        assertThat(restrictions.badges("official").official()).isTrue();
        assertThat(restrictions.pullRefusal(member.principal(), "official/img")).isEmpty();
    }
}
