package dev.wharf.mirror;

import dev.wharf.upstream.Credentials;
import java.time.Duration;
import java.time.Instant;

/**
 * A pull-through mirror: the Wharf namespace {@code name} serves the upstream registry at {@code upstream}
 * ({@code <name>/library/alpine} is the upstream's {@code library/alpine}).
 *
 * @param credentials null for anonymous upstream pulls; opened from its sealed form, never logged or returned
 * @param evictUnusedAfter tags unused this long are evicted; {@link Duration#ZERO}: never; null: the server's
 *     {@code mirrors.evict_unused_after}
 * @param managedBy {@code config} (defined by mirrors.upstreams, changed only there) or {@code api}
 */
public record Mirror(String name, String upstream, Credentials credentials, Duration revalidateAfter,
        boolean anonymousPulls, Duration evictUnusedAfter, String managedBy, Instant createdAt, Instant updatedAt) {
    public static final String CONFIG = "config";
    public static final String API = "api";

    /** How long this mirror's tags may go unused before they are evicted, {@code serverDefault} unless set. */
    public Duration evictUnusedAfter(Duration serverDefault) {
        return evictUnusedAfter != null ? evictUnusedAfter : serverDefault;
    }

    /** The repository name upstream for a repository of this namespace: everything after {@code <name>/}. */
    public String upstreamRepository(String repository) {
        return repository.substring(name.length() + 1);
    }

    @Override
    public String toString() {
        return "Mirror[" + name + " -> " + upstream + "]";
    }
}
