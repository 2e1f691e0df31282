package dev.wharf.app;

import dev.wharf.config.ConfigLoader;
import dev.wharf.config.WharfConfig;
import dev.wharf.gc.GarbageCollector;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.meta.Database;
import dev.wharf.storage.meta.GarbageStore;
import dev.wharf.storage.meta.SqlMetadataStore;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code wharf gc [--dry-run] [settings]}: one garbage collection pass now, against the node's own database and
 * blob storage (the same settings as {@code serve}), printing what it deleted, or with {@code --dry-run} what it
 * would delete. Safe while nodes are serving: it is one more collector, like a node's scheduled pass.
 */
final class GcCli {
    private final PrintStream out;
    private final Map<String, String> env;

    GcCli(PrintStream out, Map<String, String> env) {
        this.out = out;
        this.env = env;
    }

    /** @return the process exit code */
    int run(List<String> args) {
        boolean dryRun = false;
        List<String> settings = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--dry-run")) {
                dryRun = true;
            } else {
                settings.add(a);
            }
        }
        WharfConfig config = ConfigLoader.load(settings, env);
        Logging.setLevel("warn");
        try (Database database = Database.open(config.db().url(), blankToNull(config.db().user()),
                blankToNull(config.db().password()), 2, blankToNull(config.db().schema()))) {
            BlobStore blobs;
            try {
                blobs = BlobStores.forServer(config, database, Clock.systemUTC());
            } catch (IOException e) {
                System.err.println("wharf: blob storage is unusable: " + e.getMessage());
                return 1;
            }
            try {
                GarbageCollector collector = new GarbageCollector(new SqlMetadataStore(database),
                        new GarbageStore(database), blobs, config.gc().untaggedGrace(), config.gc().blobGrace(),
                        Clock.systemUTC(), nodeName("cli"), null);
                print(collector.run(dryRun));
                return 0;
            } finally {
                if (blobs instanceof AutoCloseable c) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        System.err.println("wharf: closing blob storage: " + e.getMessage());
                    }
                }
            }
        }
    }

    private void print(GarbageCollector.Report r) {
        String verb = r.dryRun() ? "would delete" : "deleted";
        for (var m : r.manifests()) out.println(verb + " manifest " + m.repository() + "@" + m.digest());
        for (var b : r.blobs()) out.println(verb + " blob " + b.digest() + " (" + b.size() + " bytes)");
        if (r.manifests().size() < r.manifestsDeleted() || r.blobs().size() < r.blobsDeleted()) {
            out.println("(lists cut at " + GarbageCollector.REPORT_LIMIT + " entries)");
        }
        out.printf("%s%s %d manifests and %d blobs (%d bytes) in %d ms%n", r.dryRun() ? "dry run: " : "",
                verb, r.manifestsDeleted(), r.blobsDeleted(), r.bytesReclaimed(), r.elapsed().toMillis());
    }

    /** Names a collector in the gc_passes table: host, process id and what runs it. */
    static String nodeName(String kind) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown-host";
        }
        return host + "/" + ProcessHandle.current().pid() + " " + kind;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
