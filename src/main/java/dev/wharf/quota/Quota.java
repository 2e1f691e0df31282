package dev.wharf.quota;

import java.time.Instant;

/**
 * A namespace's limits and usage.
 *
 * @param limitBytes storage limit, or null for none
 * @param limitRepositories repository count limit, or null for none
 * @param warnPercent usage share of {@code limitBytes} that triggers the warning
 * @param warnedAt when the warning was last given (usage crossed the threshold), null while under it
 * @param usedBytes sum of the sizes of the distinct blobs the namespace's repositories link
 */
public record Quota(String namespace, Long limitBytes, Long limitRepositories, int warnPercent, Instant warnedAt,
        long usedBytes, long repositories) {

    /** Whether usage is at or over the warning threshold (never without a storage limit). */
    public boolean overWarning() {
        return limitBytes != null && usedBytes * 100 >= (long) warnPercent * limitBytes;
    }
}
