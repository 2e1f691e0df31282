package dev.wharf.ops;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up (class loading, migrations, the first Argon2 hash) leaves far more garbage than an idle registry
 * needs, and the JVM keeps that heap committed. After the node is ready, this lets the collector return unused
 * heap to the operating system: it lowers the free-heap ratios (unless the operator set them) and runs one
 * collection. Under load the heap still grows as needed.
 */
public final class MemoryFootprint {
    private static final Logger log = LoggerFactory.getLogger(MemoryFootprint.class);

    private MemoryFootprint() {}

    public static void compactAfterStartup() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            // Order matters: the minimum must stay below the maximum at every step.
            setIfDefault(vm, "MinHeapFreeRatio", "10");
            setIfDefault(vm, "MaxHeapFreeRatio", "30");
        } catch (RuntimeException e) {
            log.debug("heap ratios left as they are: {}", e.toString());
        }
        System.gc();
    }

    private static void setIfDefault(HotSpotDiagnosticMXBean vm, String name, String value) {
        VMOption option = vm.getVMOption(name);
        if (option.getOrigin() == VMOption.Origin.DEFAULT && option.isWriteable()) vm.setVMOption(name, value);
    }
}
