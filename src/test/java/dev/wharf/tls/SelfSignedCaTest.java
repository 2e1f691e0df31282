package dev.wharf.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedCaTest {
    static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

    @TempDir
    Path dir;

    @Test
    void theCaIsMadeOnceAndTheServerCertificateOnlyWhenItNoLongerFits() throws Exception {
        SelfSignedCa.Issued first = SelfSignedCa.ensure(dir, List.of("registry.lan", "10.0.0.5"), NOW);
        assertThat(first.caCreated()).isTrue();
        assertThat(first.certificateIssued()).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("server.key")))).isEqualTo("rw-------");
        PemCredentials ca = PemCredentials.load(first.ca(), dir.resolve("ca.key"), "ca", "ca key", NOW);
        PemCredentials server = PemCredentials.load(first.certificate(), first.key(), "cert", "key", NOW);
        X509Certificate cert = server.certificate();
        cert.verify(ca.certificate().getPublicKey());
        assertThat(SelfSignedCa.subjectNames(cert)).containsExactlyInAnyOrder("registry.lan", "10.0.0.5");
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(ca.certificate().getBasicConstraints()).isEqualTo(0);
        byte[] caBytes = Files.readAllBytes(first.ca());
        byte[] certBytes = Files.readAllBytes(first.certificate());

        SelfSignedCa.Issued again = SelfSignedCa.ensure(dir, List.of("10.0.0.5"), NOW.plus(Duration.ofDays(1)));
        assertThat(again.caCreated()).isFalse();
        assertThat(again.certificateIssued()).isFalse();
        assertThat(Files.readAllBytes(first.certificate())).isEqualTo(certBytes);

        SelfSignedCa.Issued newName = SelfSignedCa.ensure(dir, List.of("registry.lan", "other.lan"), NOW);
        assertThat(newName.caCreated()).isFalse();
        assertThat(newName.certificateIssued()).isTrue();
        assertThat(Files.readAllBytes(first.ca())).isEqualTo(caBytes);

        SelfSignedCa.Issued renewed = SelfSignedCa.ensure(dir, List.of("registry.lan"),
                NOW.plus(SelfSignedCa.SERVER_LIFETIME).minus(Duration.ofDays(10)));
        assertThat(renewed.certificateIssued()).isTrue();
        assertThat(Files.readAllBytes(first.ca())).isEqualTo(caBytes);
    }
}
