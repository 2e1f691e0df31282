package dev.wharf.mirror;

/** A mirror's cache hits and misses, counted twice: in Prometheus, and per repository ({@link RepositoryCounts}). */
final class HitsAndMisses {
    private final MirrorMetrics metrics;
    private final RepositoryCounts counts;

    HitsAndMisses(MirrorMetrics metrics, RepositoryCounts counts) {
        this.metrics = metrics;
        this.counts = counts;
    }

    void hit(Mirror m, String repository, String kind) {
        metrics.hit(m.name(), kind);
        counts.hit(repository);
    }

    void miss(Mirror m, String repository, String kind) {
        metrics.miss(m.name(), kind);
        counts.miss(repository);
    }

    /** Adds the per-repository counts since the last flush to the shared table. */
    void flush() {
        counts.flush();
    }
}
