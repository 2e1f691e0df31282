package dev.wharf.sources.build;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where a build may pull its base images from: this Wharf (its loopback address) or a registry whose name
 * resolves to no loopback, link-local (cloud metadata), unspecified or multicast address. The pull is the only
 * step of a build with network; without this check a {@code FROM 127.0.0.1:6379/x} would make it talk to a
 * service on the host. The address is checked when the build starts; buildah resolves the name again when it
 * connects, so a name whose address changes in between is not covered (see the decision record).
 */
public final class BaseImagePolicy {
    private BaseImagePolicy() {}

    /** Why the image may not be pulled, or null when it may. */
    public static String refusal(String image, String localRegistry) {
        String registry = registry(image);
        if (registry == null) return null; // a Docker Hub short name
        String lower = registry.toLowerCase(Locale.ROOT);
        if (localRegistry != null && (lower.equals(localRegistry.toLowerCase(Locale.ROOT))
                || lower.equals("localhost:" + port(localRegistry)))) {
            return null;
        }
        String host = host(lower);
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return null; // buildah's pull reports the unknown host itself
        }
        for (InetAddress a : addresses) {
            if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress() || a.isMulticastAddress()) {
                return "registry " + registry + " is on a loopback or link-local address; a build pulls base images"
                        + " only from this Wharf (" + (localRegistry == null ? "its own address" : localRegistry)
                        + ") or from registries elsewhere";
            }
        }
        return null;
    }

    /** The registry part of an image reference, or null for a Docker Hub name (no dot, colon or localhost). */
    static String registry(String image) {
        int slash = image.indexOf('/');
        if (slash < 0) return null;
        String first = image.substring(0, slash);
        if (first.contains(".") || first.contains(":") || first.equals("localhost")) return first;
        return null;
    }

    private static String host(String registry) {
        if (registry.startsWith("[")) return registry.substring(1, registry.indexOf(']'));
        int colon = registry.lastIndexOf(':');
        return colon < 0 ? registry : registry.substring(0, colon);
    }

    private static String port(String registry) {
        int colon = registry.lastIndexOf(':');
        return colon < 0 ? "" : registry.substring(colon + 1);
    }
}
