package dev.wharf.jobs;

import java.util.Locale;

/**
 * A job's life: {@code new} (never attempted) → {@code queued} (waiting for a retry after a transient failure)
 * → {@code running} (claimed by a worker under a lease) → {@code completed} or {@code error}. These are the
 * values Cycle's JobState uses.
 */
public enum JobState {
    NEW, QUEUED, RUNNING, COMPLETED, ERROR;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static JobState ofWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    public boolean finished() {
        return this == COMPLETED || this == ERROR;
    }
}
