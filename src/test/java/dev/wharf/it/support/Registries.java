package dev.wharf.it.support;

import java.nio.file.Path;

/** Chooses the registry the ITs exercise. */
public final class Registries {
    private Registries() {}

    /**
     * Wharf by default. {@code -Dwharf.it.target=distribution} runs the same tests against CNCF
     * Distribution, which tells a wrong test apart from a Wharf bug.
     */
    public static RegistryServer underTest(Path dataDir) {
        return distributionIsTarget() ? DistributionProcess.start(dataDir) : WharfProcess.start(dataDir);
    }

    /** Whether this run checks the tests against Distribution; Wharf-only tests (its auth) then skip. */
    public static boolean distributionIsTarget() {
        return "distribution".equals(System.getProperty("wharf.it.target"));
    }
}
