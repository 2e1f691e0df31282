package dev.wharf.it.support;

/**
 * What real-client test classes share on the machine and must not use at the same time. The classes run two at a
 * time (see the failsafe configuration in pom.xml); a class holding one of these says so with JUnit's
 * {@code @ResourceLock}, and JUnit never runs two holders of the same name together. A class whose assertions
 * measure wall-clock time or throughput (AuthCacheMultiNodeIT, GcStressIT, WebhooksIT) is {@code @Isolated}: it
 * runs with no other class beside it.
 */
public final class ItResources {
    /**
     * Room on the PostgreSQL server at 127.0.0.1:5432 (max_connections 100 by default): a multi-node test keeps
     * 2 to 4 nodes of 16 pooled connections each, so two of them at once could run out of connections.
     */
    public static final String POSTGRESQL_CLUSTER = "wharf.it.postgresql-cluster";

    private ItResources() {}
}
