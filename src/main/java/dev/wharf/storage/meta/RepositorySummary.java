package dev.wharf.storage.meta;

import java.time.Instant;

/**
 * What the Hub API shows about one repository: its row, its descriptions (empty until set), and figures computed
 * from its manifests. {@code lastPushed} and {@code lastPulled} are null when nothing was pushed or pulled yet;
 * {@code storageSize} sums the distinct blobs the repository links.
 */
public record RepositorySummary(long id, String name, Instant createdAt, String description, String fullDescription,
        long pullCount, Instant lastPushed, Instant lastPulled, long storageSize, long tagCount) {}
