package dev.wharf.config;

/**
 * Dockerfile builds' sandbox: whether builds may run at all, the host uid range the sandbox maps the build's users
 * onto, and the per-build limits. See {@code docs/decisions/sandbox-build-isolation.md}.
 *
 * @param enabled builds run only when this is set and the sandbox's self-check passes at start
 * @param uid first host uid of the build's 65536 ids (build root = this uid); must belong to no one else
 * @param memoryBytes memory of a whole build (cgroup) and data segment of each of its processes (rlimit)
 * @param cpus CPU share of a build (cgroup) and, times the build time limit, each process's CPU seconds
 * @param maxProcesses tasks a build may run at once
 * @param diskBytes largest the build's directory (unpacked context, image storage, export) may grow
 */
public record BuildSandboxConfig(boolean enabled, long uid, long memoryBytes, int cpus, int maxProcesses,
        long diskBytes) {
    /** Host uids below this are left to the system and ordinary users. */
    static final long MIN_UID = 100_000;

    static BuildSandboxConfig from(ConfigValues c) {
        long uid = c.longValue(ConfigKey.SOURCES_BUILD_SANDBOX_UID, MIN_UID);
        if (uid + 65536 > 4_294_967_294L) {
            throw c.bad(ConfigKey.SOURCES_BUILD_SANDBOX_UID, c.raw(ConfigKey.SOURCES_BUILD_SANDBOX_UID),
                    "uid + 65536 must stay below 4294967294");
        }
        return new BuildSandboxConfig(c.bool(ConfigKey.SOURCES_BUILD_ENABLED), uid,
                c.longValue(ConfigKey.SOURCES_BUILD_MEMORY_BYTES, 64L << 20),
                c.integer(ConfigKey.SOURCES_BUILD_CPUS, 1, 1024),
                c.integer(ConfigKey.SOURCES_BUILD_MAX_PROCESSES, 16, 1_000_000),
                c.longValue(ConfigKey.SOURCES_BUILD_DISK_BYTES, 1L << 20));
    }
}
