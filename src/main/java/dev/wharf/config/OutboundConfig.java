package dev.wharf.config;

import dev.wharf.model.Cidr;
import java.util.List;

/**
 * Where Wharf may connect for imports, build contexts, git and other outbound requests: address blocks refused
 * ({@code outbound.deny}) and exceptions to them ({@code outbound.allow}). Applied by
 * {@code upstream.OutboundPolicy} on the address each connection actually uses.
 */
public record OutboundConfig(List<String> allow, List<String> deny) {
    public OutboundConfig {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    static OutboundConfig from(ConfigValues c) {
        return new OutboundConfig(blocks(c, ConfigKey.OUTBOUND_ALLOW), blocks(c, ConfigKey.OUTBOUND_DENY));
    }

    private static List<String> blocks(ConfigValues c, ConfigKey key) {
        List<String> items = c.list(key);
        for (String item : items) {
            try {
                Cidr.parse(item);
            } catch (IllegalArgumentException e) {
                throw c.bad(key, c.raw(key), e.getMessage());
            }
        }
        return items;
    }
}
