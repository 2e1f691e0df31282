package dev.wharf.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.auth.OrgTokenResource.Type;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The authorization matrix. Each row is a principal with its ties to the namespace; the expectation reads
 * "pull public, pull private, push, delete", Y or N, on {@code <ns>/web} (public) and {@code <ns>/app} (private).
 */
class PermissionsTest {

    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    static final Permissions PERMISSIONS = new Permissions(Clock.fixed(NOW, ZoneOffset.UTC));

    static final Principal.UserPrincipal ALICE = new Principal.UserPrincipal(1, "alice", false);
    static final Principal.UserPrincipal BOB = new Principal.UserPrincipal(2, "bob", false);
    static final Principal.UserPrincipal ROOT = new Principal.UserPrincipal(3, "root", true);

    static final Relationship MEMBER = new Relationship(OrgRole.MEMBER, null);
    static final Relationship EDITOR = new Relationship(OrgRole.EDITOR, null);
    static final Relationship OWNER = new Relationship(OrgRole.OWNER, null);
    static final Relationship TEAM_READ = new Relationship(OrgRole.MEMBER, TeamPermission.READ);
    static final Relationship TEAM_WRITE = new Relationship(OrgRole.MEMBER, TeamPermission.WRITE);
    static final Relationship TEAM_ADMIN = new Relationship(OrgRole.MEMBER, TeamPermission.ADMIN);

    static Principal pat(AccessScope scope) {
        return new Principal.PersonalToken(BOB, scope, "t", true, null);
    }

    static Principal orgToken(String org, boolean active, Instant expiresAt, OrgTokenResource... resources) {
        return new Principal.OrgToken(org, List.of(resources), "o", active, expiresAt);
    }

    static OrgTokenResource repo(String path, String... scopes) {
        return new OrgTokenResource(Type.TYPE_REPO, path, List.of(scopes));
    }

    static Stream<Arguments> matrix() {
        String pull = OrgTokenResource.PULL;
        String push = OrgTokenResource.PUSH;
        return Stream.of(
                row("anonymous", Principal.ANONYMOUS, Relationship.NONE, "acme", "YNNN"),
                row("user without membership", BOB, Relationship.NONE, "acme", "YNNN"),
                row("org member without teams", BOB, MEMBER, "acme", "YNNN"),
                row("org editor", BOB, EDITOR, "acme", "YYYN"),
                row("org owner", BOB, OWNER, "acme", "YYYY"),
                row("team read", BOB, TEAM_READ, "acme", "YYNN"),
                row("team write", BOB, TEAM_WRITE, "acme", "YYYN"),
                row("team admin", BOB, TEAM_ADMIN, "acme", "YYYY"),
                row("editor and team admin: the union", BOB, new Relationship(OrgRole.EDITOR, TeamPermission.ADMIN),
                        "acme", "YYYY"),
                row("namespace owner", ALICE, Relationship.NONE, "alice", "YYYY"),
                row("another user's namespace", BOB, Relationship.NONE, "alice", "YNNN"),
                row("administrator", ROOT, Relationship.NONE, "acme", "YYYY"),
                row("PAT public_read of an owner", pat(AccessScope.PUBLIC_READ), OWNER, "acme", "YNNN"),
                row("PAT read of an owner", pat(AccessScope.READ), OWNER, "acme", "YYNN"),
                row("PAT write of an owner", pat(AccessScope.WRITE), OWNER, "acme", "YYYN"),
                row("PAT admin of an owner", pat(AccessScope.ADMIN), OWNER, "acme", "YYYY"),
                row("PAT admin caps nothing above the user", pat(AccessScope.ADMIN), TEAM_READ, "acme", "YYNN"),
                row("PAT admin of an outsider", pat(AccessScope.ADMIN), Relationship.NONE, "acme", "YNNN"),
                row("PAT inactive", new Principal.PersonalToken(BOB, AccessScope.ADMIN, "t", false, null), OWNER,
                        "acme", "NNNN"),
                row("PAT expired", new Principal.PersonalToken(BOB, AccessScope.ADMIN, "t", true, NOW), OWNER,
                        "acme", "NNNN"),
                row("PAT not yet expired", new Principal.PersonalToken(BOB, AccessScope.ADMIN, "t", true,
                        NOW.plusSeconds(1)), OWNER, "acme", "YYYY"),
                row("org token pull on the repository", orgToken("acme", true, null, repo("acme/app", pull)),
                        Relationship.NONE, "acme", "YYNN"),
                row("org token push on all of its org", orgToken("acme", true, null, repo("acme/*", push)),
                        Relationship.NONE, "acme", "YYYN"),
                row("org token outside its resources", orgToken("acme", true, null, repo("acme/other", pull, push)),
                        OWNER, "acme", "YNNN"),
                row("org token of another org", orgToken("globex", true, null, repo("globex/*", pull, push)),
                        Relationship.NONE, "acme", "YNNN"),
                row("org token for public repositories", orgToken("acme", true, null, repo("*/*/public", pull)),
                        Relationship.NONE, "acme", "YNNN"),
                row("org token inactive", orgToken("acme", false, null, repo("acme/*", push)), Relationship.NONE,
                        "acme", "NNNN"),
                row("org token expired", orgToken("acme", true, NOW.minusSeconds(1), repo("acme/*", push)),
                        Relationship.NONE, "acme", "NNNN"),
                row("org token with an org resource only",
                        orgToken("acme", true, null, new OrgTokenResource(Type.TYPE_ORG, "acme", List.of("scope-org-read"))),
                        Relationship.NONE, "acme", "YNNN"));
    }

    static Arguments row(String name, Principal principal, Relationship relationship, String namespace,
            String expected) {
        return Arguments.of(name, principal, relationship, namespace, expected);
    }

    @ParameterizedTest(name = "{0}: {4}")
    @MethodSource("matrix")
    void matrix(String name, Principal principal, Relationship relationship, String namespace, String expected) {
        String publicRepo = namespace + "/web";
        String privateRepo = namespace + "/app";
        String actual = yn(PERMISSIONS.allows(principal, publicRepo, false, relationship, Action.PULL))
                + yn(PERMISSIONS.allows(principal, privateRepo, true, relationship, Action.PULL))
                + yn(PERMISSIONS.allows(principal, privateRepo, true, relationship, Action.PUSH))
                + yn(PERMISSIONS.allows(principal, privateRepo, true, relationship, Action.DELETE));
        assertThat(actual).as(name).isEqualTo(expected);
        // Visible exactly when pullable: a private repository is "missing" to everyone else.
        assertThat(PERMISSIONS.visible(principal, privateRepo, true, relationship)).isEqualTo(expected.charAt(1) == 'Y');
        assertThat(PERMISSIONS.visible(principal, publicRepo, false, relationship)).isEqualTo(expected.charAt(0) == 'Y');
    }

    static String yn(boolean allowed) {
        return allowed ? "Y" : "N";
    }

    @Test
    void pushOnPublicRepositoriesStillNeedsRights() {
        assertThat(PERMISSIONS.allowed(BOB, "acme/web", false, Relationship.NONE)).containsExactly(Action.PULL);
        assertThat(PERMISSIONS.allowed(Principal.ANONYMOUS, "acme/web", false, null)).containsExactly(Action.PULL);
    }

    @Test
    void namespaceIsTheFirstComponentExactly() {
        assertThat(Permissions.namespaceOf("alice/tools/app")).isEqualTo("alice");
        assertThat(Permissions.namespaceOf("library")).isEqualTo("library");
        // "alice" owns alice/..., not alicex/...
        assertThat(PERMISSIONS.allowed(ALICE, "alicex/app", true, Relationship.NONE)).isEmpty();
        assertThat(PERMISSIONS.allowed(ALICE, "alice/tools/app", true, Relationship.NONE)).containsExactlyInAnyOrder(
                Action.PULL, Action.PUSH, Action.DELETE);
    }

    @Test
    void orgTokenWildcardCoversNestedRepositoriesOfItsOrgOnly() {
        Principal token = orgToken("acme", true, null, repo("acme/*", OrgTokenResource.PULL));
        assertThat(PERMISSIONS.allows(token, "acme/team/app", true, null, Action.PULL)).isTrue();
        assertThat(PERMISSIONS.allows(token, "acmex/app", true, null, Action.PULL)).isFalse();
    }

    @Test
    void scopesIncludeTheOnesBelow() {
        assertThat(AccessScope.ADMIN.allows(AccessScope.WRITE)).isTrue();
        assertThat(AccessScope.WRITE.allows(AccessScope.READ)).isTrue();
        assertThat(AccessScope.READ.allows(AccessScope.PUBLIC_READ)).isTrue();
        assertThat(AccessScope.READ.allows(AccessScope.WRITE)).isFalse();
        assertThat(AccessScope.PUBLIC_READ.allows(AccessScope.READ)).isFalse();
        assertThat(AccessScope.highestOf(List.of("repo:read", "repo:write"))).isEqualTo(AccessScope.WRITE);
        assertThat(AccessScope.parse("repo:public_read")).isEqualTo(AccessScope.PUBLIC_READ);
        assertThatThrownBy(() -> AccessScope.parse("repo:everything")).isInstanceOf(IdentityException.class);
    }

    @Test
    void orgTokenResourcesAreValidatedAgainstTheirOrg() {
        repo("acme/app", OrgTokenResource.PULL).validateFor("acme");
        repo("acme/*", OrgTokenResource.PUSH).validateFor("acme");
        repo("*/*/public", OrgTokenResource.PULL).validateFor("acme");
        for (OrgTokenResource bad : List.of(repo("globex/app", OrgTokenResource.PULL), repo("acme/app"),
                repo("acme/app", "scope-image-delete"), repo("*/*/public", OrgTokenResource.PUSH),
                repo("acme/Bad", OrgTokenResource.PULL), repo("acme", OrgTokenResource.PULL),
                new OrgTokenResource(Type.TYPE_ORG, "globex", List.of("scope-org-read")))) {
            assertThatThrownBy(() -> bad.validateFor("acme")).as(bad.toString()).isInstanceOf(IdentityException.class);
        }
    }
}
