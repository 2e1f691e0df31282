package dev.wharf.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TlsConfigTest {

    private static WharfConfig load(String... flags) {
        return ConfigLoader.load(List.of(flags), Map.of());
    }

    @Test
    void offByDefault() {
        TlsConfig tls = load().tls();
        assertThat(tls.enabled()).isFalse();
        assertThat(tls.hasHttpPort()).isFalse();
    }

    @Test
    void aSwitchFlagMayStandAloneBeforeAnotherFlag() {
        TlsConfig tls = load("--tls-self-signed", "--tls-hosts", "Registry.LAN, 10.0.0.5,[::1]").tls();
        assertThat(tls.selfSigned()).isTrue();
        assertThat(tls.hosts()).containsExactly("registry.lan", "10.0.0.5", "::1");
        assertThat(load("--tls-self-signed").tls().enabled()).isTrue();
        assertThat(load("--tls-self-signed", "false").tls().enabled()).isFalse();
    }

    @Test
    void certificateAndKeyComeTogether() {
        TlsConfig tls = load("--tls-cert-file", "c.pem", "--tls-key-file", "k.pem", "--tls-http-addr", ":8080").tls();
        assertThat(tls.certFile()).isAbsolute().hasFileName("c.pem");
        assertThat(tls.httpHost()).isEqualTo("0.0.0.0");
        assertThat(tls.httpPort()).isEqualTo(8080);
        assertThatThrownBy(() -> load("--tls-cert-file", "c.pem")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("tls.key_file").hasMessageContaining("flag --tls-cert-file");
        assertThatThrownBy(() -> load("--tls-key-file", "k.pem")).hasMessageContaining("tls.cert_file");
        assertThatThrownBy(() -> load("--tls-cert-file", "c.pem", "--tls-key-file", "k.pem", "--tls-self-signed"))
                .hasMessageContaining("tls.self_signed");
    }

    @Test
    void settingsThatNeedTlsSaySo() {
        assertThatThrownBy(() -> load("--tls-http-addr", "127.0.0.1:8080")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("tls.http_addr");
        assertThatThrownBy(() -> load("--tls-hosts", "registry.lan")).hasMessageContaining("tls.self_signed");
        assertThatThrownBy(() -> load("--tls-self-signed", "--tls-hosts", "bad host!"))
                .hasMessageContaining("'bad host!'");
        assertThatThrownBy(() -> load("--tls-self-signed", "--tls-http-addr", "nope")).hasMessageContaining("host:port");
        assertThatThrownBy(() -> load("--tls-self-signed", "--tls-reload-interval", "often"))
                .hasMessageContaining("tls.reload_interval");
    }
}
