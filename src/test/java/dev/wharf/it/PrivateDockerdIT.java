package dev.wharf.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wharf.it.support.FreePort;
import dev.wharf.it.support.PrivateDockerd;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The harness itself: a private daemon answers, resolves its aliases to ::1 only, and sees its own certs.d. */
class PrivateDockerdIT {

    @Test
    void aliasIsASecureRegistryOnIpv6Loopback() throws Exception {
        int port = FreePort.pick();
        try (PrivateDockerd docker = PrivateDockerd.builder().hostAlias("reg.wharf.test")
                .trustCa("reg.wharf.test:" + port, "not a real CA".getBytes(StandardCharsets.UTF_8)).start()) {
            assertThat(docker.dockerOk("version", "--format", "{{.Server.Os}}").stdout().trim()).isEqualTo("linux");
            // Nothing listens there: the error shows the name went to [::1] over https, not to 127.0.0.1.
            PrivateDockerd.Result pull = docker.docker("pull", "reg.wharf.test:" + port + "/x:1");
            assertThat(pull.ok()).isFalse();
            assertThat(pull.stderr()).contains("https://reg.wharf.test:" + port + "/v2/").contains("[::1]:" + port);
            // The daemon's /etc/docker is the test's directory; the host's has no trace of it.
            assertThat(docker.configDir().resolve("certs.d/reg.wharf.test:" + port + "/ca.crt")).exists();
            assertThat(java.nio.file.Path.of("/etc/docker/certs.d/reg.wharf.test:" + port)).doesNotExist();
            assertThat(docker.dockerOk("info", "--format", "{{json .RegistryConfig.InsecureRegistryCIDRs}}")
                    .stdout()).contains("127.0.0.0");
        }
    }
}
