package dev.wharf.storage.meta;

/** How many images a repository has, and how many of them were pushed or pulled since a given instant. */
public record ImageSummary(long total, long active) {

    public long inactive() {
        return total - active;
    }
}
