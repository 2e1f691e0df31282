package dev.wharf.config;

import java.time.Duration;

/**
 * Background jobs of this node (imports, Dockerfile builds, retention): how many run at once, and the lease a
 * running job holds. A worker renews its jobs' leases every third of the lease; when a node dies, another node (or
 * the same one restarted) takes its jobs over once their leases have run out. A short lease hands a dead node's
 * jobs over sooner, at the price of more frequent renewals, and a node that stalls for longer than the lease (a
 * long GC pause, a database failover) may find its jobs taken over.
 */
public record JobsConfig(int workers, Duration lease) {
    /** Renewals every third of this (2 s) still leave a database round trip room to spare. */
    static final Duration MIN_LEASE = Duration.ofSeconds(6);
    static final Duration MAX_LEASE = Duration.ofHours(1);

    static JobsConfig from(ConfigValues c) {
        Duration lease = c.duration(ConfigKey.JOBS_LEASE);
        if (lease.compareTo(MIN_LEASE) < 0 || lease.compareTo(MAX_LEASE) > 0) {
            throw c.bad(ConfigKey.JOBS_LEASE, c.raw(ConfigKey.JOBS_LEASE), "must be between 6s and 1h");
        }
        return new JobsConfig(c.integer(ConfigKey.JOBS_WORKERS, 1, 64), lease);
    }
}
