package dev.wharf.upstream;

import dev.wharf.model.Cidr;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * Where Wharf may connect: every outbound connection (imports, build contexts, git, and whatever else is built on
 * {@link OutboundHttp}) is checked against it on the address actually connected to, after DNS, for every
 * redirect too. An address in {@code deny} is refused unless it is also in {@code allow}: the allow list names
 * exceptions, so {@code deny: 0.0.0.0/0,::/0} with an allow list means "only these".
 *
 * <p>The default deny list is loopback, link-local (which holds the cloud metadata address 169.254.169.254),
 * "this host" (0.0.0.0/8, ::), and the metadata addresses of clouds that use other ones. Private networks are
 * allowed: a self-hosted registry's upstream is often on one.
 */
public final class OutboundPolicy {
    public static final List<String> DEFAULT_DENY = List.of(
            "127.0.0.0/8", "::1/128", // loopback
            "0.0.0.0/8", "::/128", // "this host": connecting to 0.0.0.0 reaches loopback on Linux
            "169.254.0.0/16", "fe80::/10", // link-local, with 169.254.169.254 (AWS, GCP, Azure, OpenStack metadata)
            "fd00:ec2::254/128", // AWS metadata over IPv6
            "100.100.100.200/32"); // Alibaba Cloud metadata

    private final List<Cidr> allow;
    private final List<Cidr> deny;

    private OutboundPolicy(List<Cidr> allow, List<Cidr> deny) {
        this.allow = List.copyOf(allow);
        this.deny = List.copyOf(deny);
    }

    /** @throws IllegalArgumentException when an entry is not an address or CIDR block */
    public static OutboundPolicy of(List<String> allow, List<String> deny) {
        return new OutboundPolicy(allow.stream().map(Cidr::parse).toList(), deny.stream().map(Cidr::parse).toList());
    }

    /** The default: {@link #DEFAULT_DENY} refused, everything else allowed. */
    public static OutboundPolicy defaults() {
        return of(List.of(), DEFAULT_DENY);
    }

    public boolean allows(InetAddress address) {
        if (allow.stream().anyMatch(c -> c.contains(address))) return true;
        return deny.stream().noneMatch(c -> c.contains(address));
    }

    /**
     * The addresses of {@code host} this policy allows, in the resolver's order (a literal address is not looked
     * up). Connect only to these: connecting by name would resolve again, and the answer may differ (DNS rebinding).
     *
     * @throws OutboundDeniedException when the host has addresses but none is allowed
     * @throws UnknownHostException when it has none
     */
    public List<InetAddress> resolve(String host) throws UnknownHostException, OutboundDeniedException {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        List<InetAddress> allowed = Arrays.stream(InetAddress.getAllByName(h)).filter(this::allows).toList();
        if (allowed.isEmpty()) throw new OutboundDeniedException(h);
        return allowed;
    }

    @Override
    public String toString() {
        return "OutboundPolicy[allow=" + allow + ", deny=" + deny + "]";
    }
}
