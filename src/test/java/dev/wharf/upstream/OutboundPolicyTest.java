package dev.wharf.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wharf.config.ConfigKey;
import dev.wharf.model.Cidr;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboundPolicyTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void defaultRefusesLoopbackLinkLocalMetadataAndThisHost() throws Exception {
        OutboundPolicy p = OutboundPolicy.defaults();
        for (String denied : List.of("127.0.0.1", "127.1.2.3", "::1", "169.254.169.254", "169.254.1.1", "fe80::1",
                "0.0.0.0", "::", "fd00:ec2::254", "100.100.100.200", "::ffff:127.0.0.1", "::ffff:169.254.169.254")) {
            assertThat(p.allows(ip(denied))).as(denied).isFalse();
        }
        for (String allowed : List.of("10.1.2.3", "192.168.1.1", "172.16.0.1", "8.8.8.8", "2001:db8::1",
                "100.100.100.201")) {
            assertThat(p.allows(ip(allowed))).as(allowed).isTrue();
        }
    }

    @Test
    void allowListsExceptionsToTheDenyList() throws Exception {
        OutboundPolicy loopback = OutboundPolicy.of(List.of("127.0.0.0/8"), OutboundPolicy.DEFAULT_DENY);
        assertThat(loopback.allows(ip("127.0.0.1"))).isTrue();
        assertThat(loopback.allows(ip("169.254.169.254"))).isFalse();

        OutboundPolicy only = OutboundPolicy.of(List.of("10.0.0.0/8"), List.of("0.0.0.0/0", "::/0"));
        assertThat(only.allows(ip("10.9.9.9"))).isTrue();
        assertThat(only.allows(ip("8.8.8.8"))).isFalse();
        assertThat(only.allows(ip("2001:db8::1"))).isFalse();
    }

    @Test
    void resolvesNamesBeforeChecking() {
        // "localhost" is not a literal: the check applies to what it resolves to.
        assertThatThrownBy(() -> OutboundPolicy.defaults().resolve("localhost"))
                .isInstanceOf(OutboundDeniedException.class)
                .hasMessageContaining("address not allowed by outbound policy");
    }

    @Test
    void cidrsAreValidatedWithoutLookingNamesUp() throws Exception {
        assertThat(Cidr.parse("192.168.0.0/16").contains(ip("192.168.44.1"))).isTrue();
        assertThat(Cidr.parse("fe80::/10").contains(ip("febf::1"))).isTrue();
        assertThat(Cidr.parse("fe80::/10").contains(ip("fec0::1"))).isFalse();
        assertThat(Cidr.parse("10.0.0.1").contains(ip("10.0.0.2"))).isFalse();
        for (String bad : List.of("example.com", "10.0.0.0/33", "::/129", "10.0.0.0/x", "")) {
            assertThatThrownBy(() -> Cidr.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theDocumentedDefaultIsThePolicyDefault() {
        assertThat(List.of(ConfigKey.OUTBOUND_DENY.defaultValue().split(","))).isEqualTo(OutboundPolicy.DEFAULT_DENY);
    }
}
