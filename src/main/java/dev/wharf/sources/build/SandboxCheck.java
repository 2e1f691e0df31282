package dev.wharf.sources.build;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The sandbox's self-check: runs a tiny step in the sandbox exactly as a build step runs (same wrapper, no network)
 * and verifies from both sides that it is isolated. Builds are enabled only if every property holds. The step is a
 * shell script that reports what it sees and tries what a hostile {@code RUN} step would try; the server then
 * checks the host side (uids of the sandbox's processes, a process it started, a marker file, a listening socket).
 */
public final class SandboxCheck {
    private static final Set<String> DEVICES = Set.of("core", "fd", "full", "null", "ptmx", "pts", "random", "shm",
            "stderr", "stdin", "stdout", "tty", "urandom", "zero", "mqueue");
    private static final List<String> NAMESPACES = List.of("user", "pid", "ipc", "mnt", "net", "uts", "cgroup");

    /** One isolation property and whether it held, with what was seen. */
    public record Property(String name, boolean ok, String detail) {}

    /** Every property checked; {@link #passed()} when all held. */
    public record Report(List<Property> properties) {
        public boolean passed() {
            return !properties.isEmpty() && properties.stream().allMatch(Property::ok);
        }

        /** The failed properties, for the log line that says why builds are off. */
        public String failures() {
            return String.join("; ", properties.stream().filter(p -> !p.ok())
                    .map(p -> p.name() + ": " + p.detail()).toList());
        }
    }

    private SandboxCheck() {}

    /**
     * @param scratch a directory for the check's own job directory (removed afterwards)
     * @param dataDir the server's data directory, which the step must not see
     */
    public static Report run(Sandbox sandbox, Path scratch, Path dataDir) {
        List<Property> props = new ArrayList<>();
        Path work = scratch.resolve("self-check-" + HexFormat.of().formatHex(random(6)));
        String marker = "wharf-sandbox-marker-" + HexFormat.of().formatHex(random(6));
        Process canary = null;
        // A name of its own: several servers on one machine may check at once, and closing a session kills
        // whatever is in its cgroups.
        try (ServerSocket listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                Sandbox.Session session = sandbox.open(work.getFileName().toString())) {
            if (!"root".equals(System.getProperty("user.name")) && !isRoot()) {
                props.add(new Property("server runs as root", false, "the sandbox maps an unprivileged uid range"
                        + " and needs the server to start it as root (see docs/operations.md)"));
                return new Report(props);
            }
            Files.createDirectories(work);
            sandbox.handOver(work);
            canary = new ProcessBuilder("sleep", "300").start();
            AtomicBoolean reached = new AtomicBoolean();
            Thread accept = Thread.ofVirtual().start(() -> {
                try (Socket s = listener.accept()) {
                    reached.set(true);
                } catch (IOException e) {
                    // closed at the end of the check
                }
            });
            String script = probe(dataDir, canary.pid(), marker, listener.getLocalPort());
            Process p = session.start(List.of("/bin/sh", "-c", script), Map.of("PATH",
                    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG", "C.UTF-8", "HOME",
                    Sandbox.INSIDE), work, Sandbox.Network.NONE);
            StringBuilder output = new StringBuilder();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (InputStream in = p.getInputStream()) {
                    output.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // killed below; what came is enough to say why
                }
            });
            // While the step waits, look at its processes from the host.
            Path ready = work.resolve("ready");
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(ready) && p.isAlive() && System.nanoTime() < until) Thread.sleep(20);
            List<String> hostUids = new ArrayList<>(List.of(uidOf(p.pid())));
            p.descendants().forEach(d -> hostUids.add(uidOf(d.pid())));
            hostUids.removeIf(String::isEmpty); // a short-lived child (sleep) gone between listing and reading
            Files.writeString(work.resolve("done"), "");
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
            reader.join(5000);
            String out = output.toString();
            listener.close();
            accept.join(2000);
            Map<String, String> seen = parse(out);

            props.add(new Property("sandbox step ran", seen.containsKey("done"), seen.containsKey("done")
                    ? "it reported back" : "no report from the step: " + out.strip()));
            boolean rootless = hostUids.size() >= 2 && hostUids.stream().allMatch(u -> Long.parseLong(u) >= sandbox.uid() && Long.parseLong(u) < sandbox.uid() + Sandbox.ID_COUNT);
            props.add(new Property("unprivileged host uid", rootless, "host uids of the step's processes: "
                    + hostUids + ", expected " + sandbox.uid() + ".." + (sandbox.uid() + Sandbox.ID_COUNT - 1)));
            String map = seen.getOrDefault("uid_map", "");
            props.add(new Property("build root is not host root", map.matches("0\\s+" + sandbox.uid() + "\\s+"
                    + Sandbox.ID_COUNT), "uid_map inside: " + map));
            for (String ns : NAMESPACES) {
                String inside = seen.getOrDefault("ns." + ns, "");
                String host = Files.readSymbolicLink(Path.of("/proc/self/ns", ns)).toString();
                props.add(new Property("own " + ns + " namespace", !inside.isEmpty() && !inside.equals(host),
                        "inside " + inside + ", server " + host));
            }
            List<String> devices = List.of(seen.getOrDefault("dev", "").trim().split("\\s+"));
            List<String> extra = devices.stream().filter(d -> !d.isEmpty() && !DEVICES.contains(d)).toList();
            props.add(new Property("no host devices", extra.isEmpty() && devices.contains("null"), "/dev holds "
                    + devices));
            props.add(new Property("no cgroup files", seen.getOrDefault("sys", "x").isBlank(), "/sys holds: "
                    + seen.getOrDefault("sys", "?")));
            props.add(new Property("no cgroup write access", "blocked".equals(seen.get("cgroup")),
                    "creating a cgroup: " + seen.get("cgroup")));
            props.add(new Property("data directory hidden", "hidden".equals(seen.get("data")),
                    dataDir + " inside: " + seen.get("data")));
            boolean canaryAlive = canary.isAlive();
            props.add(new Property("host processes out of reach", canaryAlive, canaryAlive
                    ? "kill -9 of a host process failed inside (" + seen.get("kill") + ")" : "a host process was killed"));
            boolean markerOnHost = Files.exists(Path.of("/tmp", marker));
            props.add(new Property("host files out of reach", !markerOnHost, markerOnHost
                    ? "a marker appeared in the host's /tmp" : "a marker written to /tmp stayed in the sandbox"));
            props.add(new Property("no host network", !reached.get() && "blocked".equals(seen.get("net")),
                    "connecting to the server's 127.0.0.1:" + listener.getLocalPort() + ": " + seen.get("net")));
            props.add(new Property("process limit", String.valueOf(sandbox.limits().processes())
                    .equals(seen.get("nproc")), "Max processes inside: " + seen.get("nproc")));
            props.add(new Property("buildah runs in the sandbox", seen.getOrDefault("buildah", "").contains("buildah"),
                    seen.getOrDefault("buildah", "not found")));
        } catch (IOException | RuntimeException e) {
            props.add(new Property("sandbox step ran", false, e.getMessage() == null ? e.toString() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            props.add(new Property("sandbox step ran", false, "interrupted"));
        } finally {
            if (canary != null) canary.destroyForcibly();
            try {
                Files.deleteIfExists(Path.of("/tmp", marker));
            } catch (IOException e) {
                // Only there if the check failed; harmless.
            }
            Trees.delete(work);
        }
        return new Report(props);
    }

    private static String probe(Path dataDir, long canary, String marker, int port) {
        StringBuilder s = new StringBuilder();
        for (String ns : NAMESPACES) s.append("echo \"ns.").append(ns).append("=$(readlink /proc/self/ns/")
                .append(ns).append(")\"\n");
        s.append("echo \"uid_map=$(cat /proc/self/uid_map)\"\n");
        s.append("echo \"dev=$(ls -A /dev | tr '\\n' ' ')\"\n");
        s.append("echo \"sys=$(ls -A /sys | tr '\\n' ' ')\"\n");
        s.append("mkdir -p /tmp/cg; if mount -t cgroup2 none /tmp/cg 2>/dev/null && mkdir /tmp/cg/wharf-probe"
                + " 2>/dev/null; then echo cgroup=writable; else echo cgroup=blocked; fi\n");
        s.append("if [ -e '").append(dataDir).append("/secret.key' ] || [ -e '").append(dataDir)
                .append("' ]; then echo data=visible; else echo data=hidden; fi\n");
        s.append("if kill -9 ").append(canary).append(" 2>/dev/null; then echo kill=sent; else echo kill=failed; fi\n");
        s.append("echo x > /tmp/").append(marker).append(" 2>/dev/null\n");
        s.append("if [ -x /bin/bash ] && /bin/bash -c 'exec 3<>/dev/tcp/127.0.0.1/").append(port)
                .append("' 2>/dev/null; then echo net=reached; else echo net=blocked; fi\n");
        s.append("echo \"nproc=$(sed -n 's/^Max processes *\\([0-9a-z]*\\).*/\\1/p' /proc/self/limits)\"\n");
        s.append("echo \"buildah=$(buildah --version 2>&1)\"\n");
        s.append("touch /build/ready; i=0; while [ ! -e /build/done ] && [ $i -lt 200 ]; do sleep 0.1;"
                + " i=$((i+1)); done\n");
        s.append("echo done=1\n");
        return s.toString();
    }

    private static Map<String, String> parse(String out) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) m.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
        return m;
    }

    private static String uidOf(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("Uid:")) return line.substring(4).trim().split("\\s+")[1]; // effective
            }
        } catch (IOException e) {
            // Exited meanwhile.
        }
        return "";
    }

    private static boolean isRoot() {
        return "0".equals(uidOf(ProcessHandle.current().pid()));
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
