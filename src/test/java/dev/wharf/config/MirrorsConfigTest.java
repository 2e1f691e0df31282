package dev.wharf.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MirrorsConfigTest {
    @TempDir Path dir;

    private MirrorsConfig load(String yaml, Map<String, String> env) {
        try {
            Path file = Files.writeString(dir.resolve("wharf.yaml"), yaml);
            return ConfigLoader.load(List.of("--config", file.toString()), env).mirrors();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void noMirrorsByDefault() {
        MirrorsConfig c = load("", Map.of());
        assertThat(c.defined()).isEmpty();
        assertThat(c.hub()).isEmpty();
        assertThat(c.revalidateAfter()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.evictUnusedAfter()).isZero();
    }

    @Test
    void mirrorsFromTheFileWithCredentialsFromTheEnvironment() {
        MirrorsConfig c = load("""
                mirrors:
                  upstreams: hub=https://registry-1.docker.io, ghcr=https://ghcr.io
                  hub: hub
                  revalidate_after: 5m
                  evict_unused_after: 30d
                """, Map.of("WHARF_MIRRORS_CREDENTIALS", "hub=bot:dckr_pat_secret"));
        assertThat(c.defined()).extracting(MirrorsConfig.Defined::name).containsExactly("hub", "ghcr");
        assertThat(c.defined().get(0).username()).isEqualTo("bot");
        assertThat(c.defined().get(0).secret()).isEqualTo("dckr_pat_secret");
        assertThat(c.defined().get(1).username()).isNull();
        assertThat(c.hub()).isEqualTo("hub");
        assertThat(c.evictUnusedAfter()).isEqualTo(Duration.ofDays(30));
        assertThat(c.toString()).doesNotContain("dckr_pat_secret");
    }

    @Test
    void aConfiguredMirrorMayHaveItsOwnEvictionSetting() {
        MirrorsConfig c = load("""
                mirrors:
                  upstreams: hub=https://registry-1.docker.io, ghcr=https://ghcr.io, quay=https://quay.io
                  evict_unused_after: 30d
                  evictions: ghcr=7d, hub=0
                """, Map.of());
        assertThat(c.defined()).extracting(MirrorsConfig.Defined::evictUnusedAfter)
                .containsExactly(Duration.ZERO, Duration.ofDays(7), null);
        assertThat(c.evictUnusedAfter()).isEqualTo(Duration.ofDays(30));
        assertThatThrownBy(() -> load("mirrors:\n  upstreams: hub=https://x.example\n  evictions: ghcr=7d\n",
                Map.of())).hasMessageContaining("mirrors.evictions").hasMessageContaining("does not define");
        for (String wrong : List.of("hub=soon", "hub=-1d", "hub=0s", "hub=99999d", "hub")) {
            assertThatThrownBy(() -> load("mirrors:\n  upstreams: hub=https://x.example\n  evictions: " + wrong
                    + "\n", Map.of())).as(wrong).hasMessageContaining("mirrors.evictions");
        }
    }

    @Test
    void badDefinitionsNameTheProblemButNeverTheSecret() {
        assertThatThrownBy(() -> load("mirrors:\n  upstreams: Hub=https://x.example\n", Map.of()))
                .hasMessageContaining("mirrors.upstreams").hasMessageContaining("namespace");
        assertThatThrownBy(() -> load("mirrors:\n  upstreams: hub=https://u:p@x.example\n", Map.of()))
                .hasMessageContaining("without credentials");
        assertThatThrownBy(() -> load("mirrors:\n  upstreams: hub=ftp://x.example\n", Map.of()))
                .hasMessageContaining("http(s) URL");
        assertThatThrownBy(() -> load("mirrors:\n  upstreams: hub=https://x.example,hub=https://y.example\n",
                Map.of())).hasMessageContaining("twice");
        assertThatThrownBy(() -> load("mirrors:\n  upstreams: hub=https://x.example\n",
                Map.of("WHARF_MIRRORS_CREDENTIALS", "hub=no-colon-secret")))
                .hasMessageContaining("user:token").hasMessageNotContaining("no-colon-secret");
        assertThatThrownBy(() -> load("mirrors:\n  upstreams: hub=https://x.example\n",
                Map.of("WHARF_MIRRORS_CREDENTIALS", "ghcr=bot:other-secret")))
                .hasMessageContaining("does not define").hasMessageNotContaining("other-secret");
    }
}
