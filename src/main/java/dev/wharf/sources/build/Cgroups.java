package dev.wharf.sources.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-build cgroups for the limits rlimits cannot express as a whole: total memory, total tasks and a CPU share.
 * The server (root) creates them below its own cgroup, under cgroup v2 or the v1 memory, pids and cpu hierarchies,
 * whichever this machine has writable; the sandbox sees none of them (an empty {@code /sys}, its own cgroup
 * namespace) and cannot write them (they belong to host root). Where none is writable, the rlimits of
 * {@link Sandbox} are the only limits, and the self-check says so.
 */
public final class Cgroups {
    private static final Logger log = LoggerFactory.getLogger(Cgroups.class);
    private static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu");

    /** Where each controller's per-build cgroups are created (the server's own cgroup in that hierarchy). */
    private final Map<String, Path> parents;
    private final boolean v2;

    private Cgroups(Map<String, Path> parents, boolean v2) {
        this.parents = parents;
        this.v2 = v2;
    }

    /** The writable cgroups of this machine, or empty when there are none (not root, read-only, absent). */
    public static Optional<Cgroups> detect() {
        try {
            List<String> mountinfo = Files.readAllLines(Path.of("/proc/self/mountinfo"));
            List<String> own = Files.readAllLines(Path.of("/proc/self/cgroup"));
            Optional<Cgroups> unified = unified(mountinfo, own);
            if (unified.isPresent()) return unified;
            Map<String, Path> parents = new LinkedHashMap<>();
            for (String line : mountinfo) {
                String[] halves = line.split(" - ", 2);
                if (halves.length < 2) continue;
                String[] tail = halves[1].split(" ");
                if (tail.length < 3 || !tail[0].equals("cgroup")) continue;
                Path mount = Path.of(halves[0].split(" ")[4]);
                for (String option : tail[2].split(",")) {
                    if (!CONTROLLERS.contains(option) || parents.containsKey(option)) continue;
                    ownPath(own, option).map(p -> mount.resolve(p.substring(1))).filter(Cgroups::writable)
                            .ifPresent(p -> parents.put(option, p));
                }
            }
            return parents.isEmpty() ? Optional.empty() : Optional.of(new Cgroups(parents, false));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<Cgroups> unified(List<String> mountinfo, List<String> own) throws IOException {
        for (String line : mountinfo) {
            String[] halves = line.split(" - ", 2);
            if (halves.length < 2 || !halves[1].startsWith("cgroup2 ")) continue;
            Path mount = Path.of(halves[0].split(" ")[4]);
            Optional<Path> parent = ownPath(own, "").map(p -> mount.resolve(p.substring(1)));
            if (parent.isEmpty() || !writable(parent.get())) continue;
            Path controllersFile = parent.get().resolve("cgroup.controllers");
            if (!Files.exists(controllersFile)) continue;
            List<String> available = List.of(Files.readString(controllersFile).trim().split("\\s+"));
            Map<String, Path> parents = new LinkedHashMap<>();
            for (String c : CONTROLLERS) {
                if (!available.contains(c)) continue;
                try {
                    Files.writeString(parent.get().resolve("cgroup.subtree_control"), "+" + c);
                    parents.put(c, parent.get());
                } catch (IOException e) {
                    // Not delegated here (processes in this cgroup, or no permission): rlimits only for it.
                }
            }
            if (!parents.isEmpty()) return Optional.of(new Cgroups(parents, true));
        }
        return Optional.empty();
    }

    /** The server's own cgroup path for a v1 controller (or, with "", the v2 path). */
    private static Optional<String> ownPath(List<String> own, String controller) {
        for (String line : own) {
            String[] f = line.split(":", 3);
            if (f.length < 3) continue;
            boolean match = controller.isEmpty() ? f[0].equals("0") && f[1].isEmpty()
                    : List.of(f[1].split(",")).contains(controller);
            if (match) return Optional.of(f[2].startsWith("/") ? f[2] : "/" + f[2]);
        }
        return Optional.empty();
    }

    private static boolean writable(Path dir) {
        return Files.isDirectory(dir) && Files.isWritable(dir);
    }

    /** Which limits this machine enforces per build, for the self-check's report. */
    public String describe() {
        return (v2 ? "cgroup v2 " : "cgroup v1 ") + String.join(", ", parents.keySet());
    }

    public boolean limits(String controller) {
        return parents.containsKey(controller);
    }

    /** Creates the cgroups of one build with its limits. */
    Group create(String name, Sandbox.Limits limits) {
        List<Path> dirs = new ArrayList<>();
        String leaf = "wharf-build-" + name.replaceAll("[^A-Za-z0-9_.-]", "_");
        try {
            for (Map.Entry<String, Path> e : parents.entrySet()) {
                Path dir = e.getValue().resolve(leaf);
                if (!dirs.contains(dir)) {
                    Files.createDirectories(dir);
                    dirs.add(dir);
                }
                switch (e.getKey()) {
                    case "memory" -> {
                        write(dir, v2 ? "memory.max" : "memory.limit_in_bytes", Long.toString(limits.memoryBytes()));
                        if (v2) write(dir, "memory.swap.max", "0");
                    }
                    case "pids" -> write(dir, "pids.max", Integer.toString(limits.processes()));
                    case "cpu" -> {
                        if (v2) {
                            write(dir, "cpu.max", (limits.cpus() * 100_000L) + " 100000");
                        } else {
                            write(dir, "cpu.cfs_period_us", "100000");
                            write(dir, "cpu.cfs_quota_us", Long.toString(limits.cpus() * 100_000L));
                        }
                    }
                    default -> { }
                }
            }
        } catch (IOException e) {
            Group partial = new Group(dirs);
            partial.close();
            throw new IllegalStateException("cannot create the build's cgroups: " + e.getMessage(), e);
        }
        return new Group(dirs);
    }

    private static void write(Path dir, String file, String value) throws IOException {
        Path f = dir.resolve(file);
        if (Files.exists(f)) Files.writeString(f, value);
    }

    /** One build's cgroups. */
    static final class Group {
        private final List<Path> dirs;

        Group(List<Path> dirs) {
            this.dirs = dirs;
        }

        /** Moves a process (before it starts anything else) into every cgroup of the build. */
        void add(long pid) throws IOException {
            for (Path d : dirs) Files.writeString(d.resolve("cgroup.procs"), Long.toString(pid));
        }

        /** Kills whatever is left in the build's cgroups and removes them. */
        void close() {
            for (Path d : dirs) {
                for (int attempt = 0; attempt < 50; attempt++) {
                    List<String> pids;
                    try {
                        pids = Files.readAllLines(d.resolve("cgroup.procs")).stream().filter(s -> !s.isBlank())
                                .toList();
                    } catch (IOException e) {
                        break;
                    }
                    if (pids.isEmpty()) break;
                    pids.forEach(p -> ProcessHandle.of(Long.parseLong(p.trim()))
                            .ifPresent(ProcessHandle::destroyForcibly));
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                try {
                    Files.deleteIfExists(d);
                } catch (IOException e) {
                    log.warn("could not remove the build cgroup {}: {}", d, e.toString());
                }
            }
        }
    }
}
