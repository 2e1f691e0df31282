package dev.wharf.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class OriginsTest {
    static JsonNode json(String s) {
        return Json.read(s);
    }

    @Test
    void secretsAreSplitOffMaskedAndRevealedAgain() {
        Origins.Split split = Origins.parse(json("""
                {"type": "oci-registry", "details": {"target": "a/b:1", "url": "registry.example.com:5000",
                 "auth": {"type": "user", "details": {"username": "u", "token": "tok"}}}}"""), "/origin",
                Json.MAPPER.createObjectNode());
        assertThat(split.shown().at("/details/auth/details/token").asText()).isEqualTo(Origins.MASK);
        assertThat(split.secrets().path("/details/auth/details/token").asText()).isEqualTo("tok");
        ObjectNode full = Origins.reveal(split.shown(), split.secrets());
        assertThat(full.at("/details/auth/details/token").asText()).isEqualTo("tok");
        // Echoing the mask keeps the old secret.
        Origins.Split again = Origins.parse(split.shown(), "/origin", split.secrets());
        assertThat(again.secrets()).isEqualTo(split.secrets());
    }

    @Test
    void aMaskedSecretIsKeptOnlyForTheSameDestination() {
        String git = """
                {"type": "docker-file", "details": {"repo": {"url": "%s", "auth": {"type": "http",
                 "credentials": {"username": "u", "password": "%s"}}},
                 "credentials": [{"url": "%s", "username": "u", "token": "%s"}]}}""";
        Origins.Split first = Origins.parse(json(git.formatted("https://git.example.com/x.git", "pw",
                "registry.example.com", "tok")), "/origin", Json.MAPPER.createObjectNode());
        String m = Origins.MASK;
        assertThat(Origins.parse(json(git.formatted("https://git.example.com/x.git", m, "registry.example.com", m)),
                "/origin", first.secrets(), first.shown()).secrets()).isEqualTo(first.secrets());
        assertThatThrownBy(() -> Origins.parse(json(git.formatted("https://evil.example.net/x.git", m,
                "registry.example.com", m)), "/origin", first.secrets(), first.shown()))
                .isInstanceOfSatisfying(CycleException.class, e -> assertThat(e.getMessage()).contains("send this"));
        assertThatThrownBy(() -> Origins.parse(json(git.formatted("https://git.example.com/x.git", m,
                "evil.example.net", m)), "/origin", first.secrets(), first.shown()))
                .isInstanceOf(CycleException.class);

        String registry = """
                {"type": "%s", "details": {"target": "a/b:1", "url": "registry.example.com", "username": "u",
                 "password": "%s"%s}}""";
        Origins.Split reg = Origins.parse(json(registry.formatted("docker-registry", "pw", "")), "/origin",
                Json.MAPPER.createObjectNode());
        assertThatThrownBy(() -> Origins.parse(json(registry.formatted("docker-registry", m,
                ", \"allow_plain_http\": true")), "/origin", reg.secrets(), reg.shown()))
                .as("allowing plain HTTP changes how the secret travels").isInstanceOf(CycleException.class);
        assertThat(Origins.parse(json(registry.formatted("docker-registry", m, "")), "/origin", reg.secrets(),
                reg.shown()).secrets()).isEqualTo(reg.secrets());
    }

    @Test
    void everyVariantIsValidated() {
        assertThat(Origins.parse(json("{\"type\": \"docker-file\", \"details\": {\"repo\": {\"url\":"
                + " \"https://git.example.com/x.git\", \"auth\": {\"type\": \"ssh\", \"credentials\": {\"username\":"
                + " \"git\", \"passphrase\": \"p\", \"private_key\": \"k\"}}}}}"), "/o", Json.MAPPER.createObjectNode())
                .secrets().size()).isEqualTo(2);
        // No repo and no targz_url: the build context is uploaded.
        assertThat(Origins.parse(json("{\"type\": \"docker-file\", \"details\": {}}"), "/o",
                Json.MAPPER.createObjectNode()).secrets().size()).isZero();
        assertInvalid("{\"type\": \"docker-file\", \"details\": {\"repo\": {\"url\": \"https://u:p@git.example.com/x\"}}}",
                "/o/details/repo/url");
        assertInvalid("{\"type\": \"docker-file\", \"details\": {\"repo\": {\"url\": \"https://git.example.com/x\","
                + " \"ref\": {\"type\": \"hash\", \"value\": \"main\"}}}}", "/o/details/repo/ref/value");
        assertInvalid("{\"type\": \"docker-file\", \"details\": {\"build_file\": \"../etc/Dockerfile\"}}",
                "/o/details/build_file");
        assertInvalid("{\"type\": \"docker-hub\", \"details\": {\"target\": \"UPPER:case\"}}", "/o/details/target");
        assertInvalid("{\"type\": \"oci-registry\", \"details\": {\"target\": \"a\", \"url\": \"x\","
                + " \"auth\": {\"type\": \"provider\", \"details\": {\"flavor\": \"gcr\", \"credentials\": {}}}}}",
                "/o/details/auth/details/flavor");
        assertInvalid("{\"type\": \"cycle-upload\", \"details\": {\"token\": \"t\"}}", "/o/details/expires");
        assertInvalid("{\"type\": \"docker-registry\", \"details\": {\"target\": \"a\", \"url\":"
                + " \"https://u:p@host\"}}", "/o/details/url");
        assertInvalid("{\"details\": {}}", "/o/type");
    }

    @Test
    void targetsSplitIntoRepositoryAndReference() {
        assertThat(ImportTarget.split("mysql:5.7")).containsExactly("mysql", "5.7");
        assertThat(ImportTarget.split("a/b")).containsExactly("a/b", "latest");
        assertThat(ImportTarget.split("a/b@sha256:00")).containsExactly("a/b", "sha256:00");
        assertThat(Identifiers.fromName("My Container!")).isEqualTo("my-container");
    }

    static void assertInvalid(String origin, String pointer) {
        assertThatThrownBy(() -> Origins.parse(json(origin), "/o", Json.MAPPER.createObjectNode()))
                .isInstanceOfSatisfying(CycleException.class, e -> {
                    assertThat(e.error()).isEqualTo(CycleError.INVALID_INPUT);
                    assertThat(e.source()).isEqualTo(pointer);
                });
    }
}
