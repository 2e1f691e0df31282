package dev.wharf.it;

import static dev.wharf.it.support.Skopeo.docker;
import static dev.wharf.it.support.Skopeo.oci;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.nimbusds.jwt.SignedJWT;
import dev.wharf.it.support.Credentials;
import dev.wharf.it.support.OciLayouts;
import dev.wharf.it.support.RegistryHttp;
import dev.wharf.it.support.RegistryServer;
import dev.wharf.it.support.Registries;
import dev.wharf.it.support.Skopeo;
import dev.wharf.it.support.WharfProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity with real clients against the packaged jar: skopeo with {@code --creds} and with an auth file, Jib
 * with credentials, anonymous pulls, an organization with an owner, an editor and a plain member, and the
 * catalog per caller. Two servers: {@code wharf} keeps the default (a pushed repository is private), {@code open}
 * runs with {@code WHARF_REPOSITORIES_DEFAULT_PRIVATE=false} so pushes there are public.
 *
 * <p>Users and the organization are made with the jar's admin CLI on the running server's data directory:
 * alice owns org {@code acme}, carol is an editor of it and bob a plain member (no team).
 */
class RegistryAuthIT {
    static {
        // Jib refuses to send credentials over plain HTTP unless told to; every registry here is on loopback.
        System.setProperty("sendCredentialsOverHttp", "true");
    }

    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    static WharfProcess wharf;
    static WharfProcess open;
    static Credentials alice;
    static Credentials bob;
    static Credentials carol;

    @BeforeAll
    static void start() throws IOException {
        assumeFalse(Registries.distributionIsTarget(), "Wharf's own auth; nothing to compare with Distribution");
        wharf = WharfProcess.start(Files.createDirectory(work.resolve("private-by-default")));
        open = WharfProcess.start(Files.createDirectory(work.resolve("public-by-default")),
                Map.of("WHARF_REPOSITORIES_DEFAULT_PRIVATE", "false"));
        alice = wharf.createUser("alice", "alice-secret-1");
        bob = wharf.createUser("bob", "bob-secret-1");
        carol = wharf.createUser("carol", "carol-secret-1");
        wharf.cli("org", "create", "acme", "--owner", "alice");
        wharf.cli("org", "member", "acme", "bob", "--role", "member");
        wharf.cli("org", "member", "acme", "carol", "--role", "editor");
    }

    @AfterAll
    static void stop() {
        if (wharf != null) wharf.close();
        if (open != null) open.close();
    }

    @Test
    void credsFlagsPushAndPullThroughTheTokenFlow() {
        Path layout = work.resolve("creds");
        OciLayouts.Image image = OciLayouts.image(layout, "1", 31, 5_000, 800);

        ok(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, oci(layout, "1"), docker(wharf, "alice/creds:1"),
                "--dest-creds", alice.colonSeparated()));
        assertThat(OciLayouts.sha256(ok(Skopeo.tryRunWithoutStoredCredentials(TIMEOUT, "inspect", "--raw",
                "--tls-verify=false", "--creds", alice.colonSeparated(), docker(wharf, "alice/creds:1"))).stdout()))
                .isEqualTo(image.digest());
        Path back = work.resolve("creds-back");
        ok(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, docker(wharf, "alice/creds:1"), oci(back, "1"),
                "--src-creds", alice.colonSeparated()));
        SkopeoIT.assertSameBlobs(layout, back);

        // The same pull without credentials, or with a wrong password, gets nothing.
        assertThat(Skopeo.tryRunWithoutStoredCredentials(TIMEOUT, "inspect", "--raw", "--tls-verify=false",
                docker(wharf, "alice/creds:1")).ok()).isFalse();
        Skopeo.Result wrong = Skopeo.tryRunWithoutStoredCredentials(TIMEOUT, "inspect", "--raw",
                "--tls-verify=false", "--creds", "alice:not-her-password", docker(wharf, "alice/creds:1"));
        assertThat(wrong.ok()).isFalse();
        assertThat(wrong.stderr()).containsIgnoringCase("incorrect username or password");
    }

    @Test
    void authFileCredentialsPushAndPull() throws IOException {
        Path layout = work.resolve("authfile");
        OciLayouts.Image image = OciLayouts.image(layout, "1", 32, 4_000);
        Path aliceAuth = Files.writeString(work.resolve("alice-auth.json"),
                Skopeo.authFileJson(Map.of(wharf.host(), alice)));
        Path bobAuth = Files.writeString(work.resolve("bob-auth.json"), Skopeo.authFileJson(Map.of(wharf.host(), bob)));

        ok(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, oci(layout, "1"), docker(wharf, "alice/authfile:1"),
                "--authfile", aliceAuth.toString()));
        assertThat(OciLayouts.sha256(ok(Skopeo.tryRunWithoutStoredCredentials(TIMEOUT, "inspect", "--raw",
                "--tls-verify=false", "--authfile", aliceAuth.toString(), docker(wharf, "alice/authfile:1")))
                .stdout())).isEqualTo(image.digest());
        Path back = work.resolve("authfile-back");
        ok(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, docker(wharf, "alice/authfile:1"), oci(back, "1"),
                "--authfile", aliceAuth.toString()));
        SkopeoIT.assertSameBlobs(layout, back);

        // bob's auth file logs bob in, and alice's private repository is not his to read.
        assertThat(Skopeo.tryRunWithoutStoredCredentials(TIMEOUT, "inspect", "--raw", "--tls-verify=false",
                "--authfile", bobAuth.toString(), docker(wharf, "alice/authfile:1")).ok()).isFalse();
    }

    @Test
    void jibWithCredentialsBuildsOnABaseImageInWharf() throws Exception {
        String base = wharf.host() + "/alice/jib-base:1";
        JibContainer pushedBase = Jib.fromScratch().addFileEntriesLayer(layer("base.txt", "base layer\n"))
                .containerize(containerizer(as(RegistryImage.named(base), alice)));
        JibContainer pushedApp = Jib.from(as(RegistryImage.named(base), alice))
                .addFileEntriesLayer(layer("app.txt", "app layer\n"))
                .containerize(containerizer(as(RegistryImage.named(wharf.host() + "/alice/jib-app:1"), alice)));

        assertThat(digestAs(alice, "alice/jib-base:1")).isEqualTo(pushedBase.getDigest().toString());
        assertThat(digestAs(alice, "alice/jib-app:1")).isEqualTo(pushedApp.getDigest().toString());
        // The app's first layer is the base's: Jib read the private base with alice's credentials.
        byte[] app = ok(Skopeo.tryRunWithoutStoredCredentials(TIMEOUT, "inspect", "--raw", "--tls-verify=false",
                "--creds", alice.colonSeparated(), docker(wharf, "alice/jib-app:1"))).stdout();
        byte[] baseManifest = ok(Skopeo.tryRunWithoutStoredCredentials(TIMEOUT, "inspect", "--raw",
                "--tls-verify=false", "--creds", alice.colonSeparated(), docker(wharf, "alice/jib-base:1"))).stdout();
        String baseLayer = JSON.readTree(baseManifest).path("layers").path(0).path("digest").asText();
        assertThat(JSON.readTree(app).path("layers").path(0).path("digest").asText()).isEqualTo(baseLayer);

        // Without credentials Jib cannot read that base at all.
        assertThatThrownBy(() -> Jib.from(RegistryImage.named(base))
                .addFileEntriesLayer(layer("other.txt", "x\n"))
                .containerize(containerizer(as(RegistryImage.named(wharf.host() + "/alice/jib-other:1"), alice))))
                .satisfies(e -> assertThat(causes(e)).anyMatch(RegistryUnauthorizedException.class::isInstance));
    }

    @Test
    void anonymousPullsPublicRepositoriesAndPrivateOnesLookMissing() throws Exception {
        // On the public-by-default server a pushed repository is public: anyone may pull, nobody anonymous push.
        Path layout = work.resolve("public");
        OciLayouts.Image image = OciLayouts.image(layout, "1", 33, 3_000);
        Skopeo.copy(oci(layout, "1"), docker(open, "tools/cli:1"));
        assertThat(OciLayouts.sha256(ok(Skopeo.tryRunWithoutStoredCredentials(TIMEOUT, "inspect", "--raw",
                "--tls-verify=false", docker(open, "tools/cli:1"))).stdout())).isEqualTo(image.digest());
        Path back = work.resolve("public-back");
        ok(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, docker(open, "tools/cli:1"), oci(back, "1")));
        SkopeoIT.assertSameBlobs(layout, back);
        assertThat(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, oci(layout, "1"), docker(open, "tools/cli:2"))
                .ok()).isFalse();
        RegistryHttp.Response anonymousPush = RegistryHttp.as(null).send(open, "POST", "/v2/tools/cli/blobs/uploads/",
                null);
        assertThat(anonymousPush.status()).as(anonymousPush.toString()).isEqualTo(403);
        assertThat(anonymousPush.errorCode()).isEqualTo("DENIED");

        // On the private-by-default server the same push makes a private repository.
        Skopeo.copy(oci(layout, "1"), docker(wharf, "acme/secret:1"));
        Skopeo.Result secret = Skopeo.tryRunWithoutStoredCredentials(TIMEOUT, "inspect", "--raw",
                "--tls-verify=false", docker(wharf, "acme/secret:1"));
        Skopeo.Result missing = Skopeo.tryRunWithoutStoredCredentials(TIMEOUT, "inspect", "--raw",
                "--tls-verify=false", docker(wharf, "acme/missing:1"));
        assertThat(secret.ok()).isFalse();
        assertThat(missing.ok()).isFalse();
        assertThat(normalized(secret.stderr(), "acme/secret")).isEqualTo(normalized(missing.stderr(), "acme/missing"));

        String layer = image.blobs().get(image.blobs().size() - 1);
        for (String[] request : requests(layer)) {
            String method = request[0];
            String suffix = request[1];
            // First contact, no token at all.
            RegistryHttp.Response rawSecret = RegistryHttp.raw(wharf, method, "/v2/acme/secret/" + suffix);
            RegistryHttp.Response rawMissing = RegistryHttp.raw(wharf, method, "/v2/acme/missing/" + suffix);
            assertThat(rawSecret.status()).as(method + " " + suffix + ": " + rawSecret).isEqualTo(401);
            assertSameAnswer(rawSecret, "acme/secret", rawMissing, "acme/missing");
            // With the anonymous token the challenge leads to.
            RegistryHttp.Response tokenSecret = RegistryHttp.as(null).send(wharf, method, "/v2/acme/secret/" + suffix,
                    null);
            RegistryHttp.Response tokenMissing = RegistryHttp.as(null).send(wharf, method,
                    "/v2/acme/missing/" + suffix, null);
            assertThat(tokenSecret.status()).as(method + " " + suffix + ": " + tokenSecret).isEqualTo(401);
            if (!method.equals("HEAD")) assertThat(tokenSecret.errorCode()).isEqualTo("UNAUTHORIZED");
            assertSameAnswer(tokenSecret, "acme/secret", tokenMissing, "acme/missing");
        }
        // The token endpoint itself grants the same (nothing) for both names.
        assertThat(accessClaim(null, "acme/secret")).isEqualTo(List.of());
        assertThat(accessClaim(null, "acme/missing")).isEqualTo(List.of());
        // Even where repositories are public by default, a missing one counts as private: outsiders get the same
        // challenge a hidden private repository gives, so privacy never depends on the default.
        RegistryHttp.Response absent = RegistryHttp.as(null).get(open, "/v2/tools/absent/manifests/1");
        assertThat(absent.status()).as(absent.toString()).isEqualTo(401);
        assertThat(absent.errorCode()).isEqualTo("UNAUTHORIZED");
    }

    @Test
    void personalAccessTokenWithRepoReadPullsButCannotPush() throws Exception {
        Path layout = work.resolve("pat");
        OciLayouts.Image image = OciLayouts.image(layout, "1", 36, 2_500);
        ok(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, oci(layout, "1"), docker(wharf, "alice/pat:1"),
                "--dest-creds", alice.colonSeparated()));

        // A token made the Hub way: log in, then create it with the session.
        RegistryHttp.Response login = hub("POST", "/v2/users/login", null,
                JSON.createObjectNode().put("username", alice.username()).put("password", alice.password()));
        assertThat(login.status()).as(login.toString()).isEqualTo(200);
        RegistryHttp.Response created = hub("POST", "/v2/access-tokens", login.json().path("token").asText(),
                JSON.createObjectNode().put("token_label", "ci").set("scopes", JSON.createArrayNode().add("repo:read")));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        Credentials readToken = new Credentials(alice.username(), created.json().path("token").asText());
        assertThat(readToken.password()).startsWith("dckr_pat_");

        // It pulls through the token flow, as the password would.
        assertThat(digestAs(readToken, "alice/pat:1")).isEqualTo(image.digest());
        Path back = work.resolve("pat-back");
        ok(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, docker(wharf, "alice/pat:1"), oci(back, "1"),
                "--src-creds", readToken.colonSeparated()));
        SkopeoIT.assertSameBlobs(layout, back);

        // It does not push, not even into alice's own namespace, where her password may.
        Skopeo.Result push = Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, oci(layout, "1"),
                docker(wharf, "alice/pat:2"), "--dest-creds", readToken.colonSeparated());
        assertThat(push.ok()).as("push with a repo:read token").isFalse();
        assertThat(accessClaim(readToken, "alice/pat"))
                .isEqualTo(List.of(Map.of("type", "repository", "name", "alice/pat", "actions", List.of("pull"))));
        RegistryHttp.Response upload = RegistryHttp.as(readToken).send(wharf, "POST", "/v2/alice/pat/blobs/uploads/",
                null);
        assertThat(upload.status()).as(upload.toString()).isEqualTo(403);
        assertThat(upload.errorCode()).isEqualTo("DENIED");
        assertThat(RegistryHttp.manifestStatus(wharf, "alice/pat", "2")).isEqualTo(404);
    }

    @Test
    void organizationOwnerPushesEditorPushesMemberSeesNothing() throws Exception {
        Path layout = work.resolve("org");
        OciLayouts.Image image = OciLayouts.image(layout, "1", 34, 3_500);
        ok(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, oci(layout, "1"), docker(wharf, "acme/app:1"),
                "--dest-creds", alice.colonSeparated()));

        // bob is a member without a team: the private repository does not exist for him.
        Skopeo.Result bobApp = inspectAs(bob, "acme/app:1");
        Skopeo.Result bobNothing = inspectAs(bob, "acme/nothing:1");
        assertThat(bobApp.ok()).isFalse();
        assertThat(normalized(bobApp.stderr(), "acme/app")).isEqualTo(normalized(bobNothing.stderr(), "acme/nothing"));
        for (String[] request : requests(image.blobs().get(0))) {
            RegistryHttp.Response app = RegistryHttp.as(bob).send(wharf, request[0], "/v2/acme/app/" + request[1],
                    null);
            RegistryHttp.Response nothing = RegistryHttp.as(bob).send(wharf, request[0],
                    "/v2/acme/nothing/" + request[1], null);
            assertThat(app.status()).as(request[0] + " " + request[1] + ": " + app).isEqualTo(401);
            assertSameAnswer(app, "acme/app", nothing, "acme/nothing");
        }
        RegistryHttp.Response bobPush = RegistryHttp.as(bob).send(wharf, "POST", "/v2/acme/app/blobs/uploads/", null);
        RegistryHttp.Response bobPushNothing = RegistryHttp.as(bob).send(wharf, "POST",
                "/v2/acme/nothing/blobs/uploads/", null);
        assertThat(bobPush.status()).as(bobPush.toString()).isEqualTo(401);
        assertSameAnswer(bobPush, "acme/app", bobPushNothing, "acme/nothing");
        assertThat(accessClaim(bob, "acme/app")).isEqualTo(List.of());
        assertThat(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, oci(layout, "1"), docker(wharf, "acme/app:bob"),
                "--dest-creds", bob.colonSeparated()).ok()).isFalse();

        // carol is an editor: she reads and pushes.
        assertThat(OciLayouts.sha256(ok(inspectAs(carol, "acme/app:1")).stdout())).isEqualTo(image.digest());
        ok(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, oci(layout, "1"), docker(wharf, "acme/app:2"),
                "--dest-creds", carol.colonSeparated()));
        assertThat(OciLayouts.sha256(ok(inspectAs(alice, "acme/app:2")).stdout())).isEqualTo(image.digest());
        // but may not delete; the owner may.
        RegistryHttp.Response carolDelete = RegistryHttp.as(carol).send(wharf, "DELETE",
                "/v2/acme/app/manifests/" + image.digest(), null);
        assertThat(carolDelete.status()).as(carolDelete.toString()).isEqualTo(403);
        assertThat(carolDelete.errorCode()).isEqualTo("DENIED");
    }

    @Test
    void catalogShowsEachCallerWhatItMaySee() {
        Path layout = work.resolve("catalog");
        OciLayouts.image(layout, "1", 35, 1_000);
        ok(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, oci(layout, "1"), docker(wharf, "alice/listed:1"),
                "--dest-creds", alice.colonSeparated()));
        ok(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, oci(layout, "1"), docker(wharf, "acme/listed:1"),
                "--dest-creds", alice.colonSeparated()));
        ok(Skopeo.tryCopyWithoutStoredCredentials(TIMEOUT, oci(layout, "1"), docker(wharf, "bob/listed:1"),
                "--dest-creds", bob.colonSeparated()));
        Skopeo.copy(oci(layout, "1"), docker(open, "shared/listed:1"));

        List<String> admin = catalog(wharf, WharfProcess.ADMIN);
        assertThat(admin).contains("alice/listed", "acme/listed", "bob/listed");
        List<String> asAlice = catalog(wharf, alice);
        assertThat(asAlice).contains("alice/listed", "acme/listed").doesNotContain("bob/listed")
                .allMatch(r -> r.startsWith("alice/") || r.startsWith("acme/"));
        List<String> asBob = catalog(wharf, bob);
        assertThat(asBob).contains("bob/listed").allMatch(r -> r.startsWith("bob/"));
        assertThat(admin).containsAll(asAlice).containsAll(asBob);
        // Everything on the private-by-default server is private; everything on the other one public.
        assertThat(catalog(wharf, null)).isEmpty();
        assertThat(catalog(open, null)).contains("shared/listed").isEqualTo(catalog(open, WharfProcess.ADMIN));
    }

    // --- helpers -----------------------------------------------------------------------------------------

    /** Requests that read a repository: manifest GET and HEAD, tag list, blob GET. */
    private static List<String[]> requests(String blobDigest) {
        return List.of(new String[] {"GET", "manifests/1"}, new String[] {"HEAD", "manifests/1"},
                new String[] {"GET", "tags/list"}, new String[] {"GET", "blobs/" + blobDigest});
    }

    /** Status, challenge, content type and body must match once each answer's own name is masked. */
    private static void assertSameAnswer(RegistryHttp.Response a, String nameA, RegistryHttp.Response b,
            String nameB) {
        assertThat(describe(b, nameB)).isEqualTo(describe(a, nameA));
    }

    private static String describe(RegistryHttp.Response r, String name) {
        return normalized(r.status() + "\n" + r.header("WWW-Authenticate").orElse("-") + "\n"
                + r.header("Content-Type").orElse("-") + "\n" + r.errorCode() + "\n" + r.text(), name);
    }

    /** Masks the repository name and skopeo's timestamps. */
    private static String normalized(String text, String name) {
        return text.replace(name, "<name>").replaceAll("time=\"[^\"]*\"", "time=<t>");
    }

    /** A Hub API call with a JSON body, as the session {@code session} (null: none). */
    private static RegistryHttp.Response hub(String method, String path, String session, JsonNode body)
            throws IOException {
        return RegistryHttp.raw(wharf, method, path, JSON.writeValueAsBytes(body),
                session == null ? null : "Bearer " + session, "Content-Type", "application/json");
    }

    /** The {@code access} claim of the token {@code GET /token} issues for pull and push on {@code repository}. */
    private static Object accessClaim(Credentials who, String repository) throws Exception {
        RegistryHttp.Response token = RegistryHttp.as(who).token("Bearer realm=\"http://" + wharf.host()
                + "/token\",service=\"wharf\",scope=\"repository:" + repository + ":pull,push\"");
        assertThat(token.status()).as(token.toString()).isEqualTo(200);
        return SignedJWT.parse(token.json().path("token").asText()).getJWTClaimsSet().getClaim("access");
    }

    private static Skopeo.Result inspectAs(Credentials who, String repositoryAndTag) {
        return Skopeo.tryRunWithoutStoredCredentials(TIMEOUT, "inspect", "--raw", "--tls-verify=false", "--creds",
                who.colonSeparated(), docker(wharf, repositoryAndTag));
    }

    private static String digestAs(Credentials who, String repositoryAndTag) {
        return OciLayouts.sha256(ok(inspectAs(who, repositoryAndTag)).stdout());
    }

    private static List<String> catalog(RegistryServer registry, Credentials who) {
        RegistryHttp.Response r = RegistryHttp.as(who).get(registry, "/v2/_catalog?n=1000");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        r.json().path("repositories").forEach(n -> names.add(n.asText()));
        return names;
    }

    private static List<Throwable> causes(Throwable t) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable c = t; c != null && !chain.contains(c); c = c.getCause()) chain.add(c);
        return chain;
    }

    private static Skopeo.Result ok(Skopeo.Result result) {
        assertThat(result.ok()).as("skopeo failed: %s", result.stderr()).isTrue();
        return result;
    }

    private static RegistryImage as(RegistryImage image, Credentials who) {
        return image.addCredential(who.username(), who.password());
    }

    private FileEntriesLayer layer(String name, String content) throws IOException {
        Path file = Files.writeString(Files.createTempFile(work, "layer", ".txt"), content);
        return FileEntriesLayer.builder().addEntry(file, AbsoluteUnixPath.get("/" + name)).build();
    }

    private Containerizer containerizer(RegistryImage target) {
        return Containerizer.to(target)
                .setAllowInsecureRegistries(true)
                .setBaseImageLayersCache(work.resolve("jib-cache-base"))
                .setApplicationLayersCache(work.resolve("jib-cache-app"))
                .setToolName("wharf-it");
    }
}
