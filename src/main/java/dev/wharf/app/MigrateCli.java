package dev.wharf.app;

import dev.wharf.auth.SecretBox;
import dev.wharf.config.ConfigException;
import dev.wharf.config.ConfigLoader;
import dev.wharf.config.WharfConfig;
import dev.wharf.storage.blob.BlobStore;
import dev.wharf.storage.meta.Database;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jdbi.v3.core.Handle;
import org.sqlite.SQLiteConfig;

/**
 * {@code wharf migrate}: copies a stopped node's SQLite metadata and blob store into a PostgreSQL database and
 * another blob store (S3), so a single embedded node can become a cluster. Flags are settings with a side:
 * {@code --from-X} is setting {@code X} of the old node, {@code --to-X} setting {@code X} of the new one
 * ({@code --from-data-dir DIR --to-db-url jdbc:postgresql://... --to-storage-driver s3 --to-storage-s3-bucket B}).
 * The target also reads {@code WHARF_*} variables, so its passwords can stay out of the process list; neither
 * side reads ./wharf.yaml unless named by {@code --from-config}/{@code --to-config}.
 *
 * <p>The source is only read: its database is opened read-only and its blobs through the store's read methods.
 * The target must be empty or the result of an earlier run; running again copies only what is missing. With
 * {@value #BLOBS_ONLY} only the blobs are copied, and the node may still be running (so that the stop lasts only
 * for the metadata and the blobs pushed since).
 */
final class MigrateCli {
    private final PrintStream out;
    private final Map<String, String> env;

    MigrateCli(PrintStream out, Map<String, String> env) {
        this.out = out;
        this.env = env;
    }

    record Summary(List<MetadataCopy.TableResult> tables, BlobCopy.Result blobs) {}

    static final String BLOBS_ONLY = "--blobs-only";

    /** @return the process exit code */
    int run(List<String> args) {
        try {
            migrate(args);
            return 0;
        } catch (MigrateException e) {
            System.err.println("wharf migrate: " + e.getMessage());
            return 1;
        }
    }

    Summary migrate(List<String> args) {
        List<String> from = new ArrayList<>();
        List<String> to = new ArrayList<>();
        List<String> rest = new ArrayList<>(args);
        // Blobs only, while the old node runs: the long part of a large store's move, before the downtime.
        boolean blobsOnly = rest.remove(BLOBS_ONLY);
        split(rest, from, to);
        if (from.stream().noneMatch(a -> a.equals("--data-dir") || a.startsWith("--data-dir="))) {
            throw new ConfigException("migrate needs --from-data-dir DIR (the old node's data directory)");
        }
        WharfConfig source = ConfigLoader.load(from, Map.of(), false);
        Path scratch = null;
        try {
            if (to.stream().noneMatch(a -> a.equals("--data-dir") || a.startsWith("--data-dir="))) {
                // The target's data dir only holds the S3 upload buffer: keep it out of the source's and of ./data.
                scratch = Files.createTempDirectory("wharf-migrate");
                to.addAll(List.of("--data-dir", scratch.toString()));
            }
            WharfConfig target = ConfigLoader.load(to, env, false);
            if (scratch != null && target.storage().driver().equals("filesystem")
                    && target.storage().root().toAbsolutePath().startsWith(scratch)) {
                throw new MigrateException("no target blob store given: add --to-storage-driver s3 and its"
                        + " --to-storage-s3-* settings (or --to-storage-filesystem-root DIR)");
            }
            return blobsOnly ? copyBlobsOnly(source, target) : migrate(source, target);
        } catch (IOException e) {
            throw new MigrateException("cannot create a scratch directory: " + e.getMessage(), e);
        } finally {
            if (scratch != null) deleteTree(scratch);
        }
    }

    private Summary migrate(WharfConfig source, WharfConfig target) {
        if (!source.db().isSqlite()) throw new MigrateException("the source database must be SQLite, not " + source.db().url());
        if (target.db().isSqlite()) {
            throw new MigrateException("the target database must be PostgreSQL: give --to-db-url jdbc:postgresql://...");
        }
        refuseSameStore(source, target);
        checkSourceStopped(source);
        Logging.setLevel("warn");
        out.println("wharf migrate: " + source.db().url() + " + " + describe(source) + " -> "
                + redact(target.db().url()) + (target.db().schema().isBlank() ? "" : " schema " + target.db().schema())
                + " + " + describe(target));
        try (BlobStoreHandle from = new BlobStoreHandle(openSourceBlobs(source), false);
                BlobStoreHandle to = new BlobStoreHandle(BlobStores.forSingleWriter(target), true)) {
            out.println("blobs:");
            BlobCopy.Result blobs = new BlobCopy(from.store, to.store, out).run();
            out.printf("  %d copied (%d bytes), %d already there%n", blobs.copied(), blobs.bytesCopied(), blobs.skipped());
            out.println("metadata:");
            List<MetadataCopy.TableResult> tables = copyMetadata(source, target);
            long rows = tables.stream().mapToLong(MetadataCopy.TableResult::copied).sum();
            out.printf("done: %d rows copied in %d tables; %d blobs copied (%d bytes), %d already there%n", rows,
                    tables.size(), blobs.copied(), blobs.bytesCopied(), blobs.skipped());
            printSecretKeyAdvice(source);
            return new Summary(tables, blobs);
        } catch (IOException e) {
            throw new MigrateException("blob storage failed: " + e.getMessage(), e);
        } catch (SQLException e) {
            throw new MigrateException("database failed: " + e.getMessage(), e);
        }
    }

    /**
     * {@value #BLOBS_ONLY}: copies the blobs of a node that may still be running, and nothing else; the run after
     * the node is stopped then copies only the blobs added since, and the metadata. Blobs the running node deletes
     * meanwhile (garbage collection) are passed over; the target's own garbage collection removes any copied blob
     * nothing refers to.
     */
    private Summary copyBlobsOnly(WharfConfig source, WharfConfig target) {
        refuseSameStore(source, target);
        Logging.setLevel("warn");
        out.println("wharf migrate --blobs-only: " + describe(source) + " -> " + describe(target)
                + " (the node may keep running; the database is not read)");
        try (BlobStoreHandle from = new BlobStoreHandle(openSourceBlobs(source), false);
                BlobStoreHandle to = new BlobStoreHandle(BlobStores.forSingleWriter(target), true)) {
            BlobCopy.Result blobs = new BlobCopy(from.store, to.store, out, true).run();
            out.printf("done: %d blobs copied (%d bytes), %d already there, %d deleted by the node meanwhile%n",
                    blobs.copied(), blobs.bytesCopied(), blobs.skipped(), blobs.gone());
            out.println("next: stop the node, then run the same command without " + BLOBS_ONLY + ": it copies the"
                    + " blobs added since and the metadata");
            return new Summary(List.of(), blobs);
        } catch (IOException e) {
            throw new MigrateException("blob storage failed: " + e.getMessage(), e);
        }
    }

    private static void refuseSameStore(WharfConfig source, WharfConfig target) {
        if (source.storage().driver().equals("filesystem") && target.storage().driver().equals("filesystem")
                && source.storage().root().toAbsolutePath().normalize().equals(target.storage().root().toAbsolutePath().normalize())) {
            throw new MigrateException("source and target blob stores are the same directory " + source.storage().root());
        }
    }

    private List<MetadataCopy.TableResult> copyMetadata(WharfConfig source, WharfConfig target) throws SQLException {
        Path file = sqliteFile(source.db().url());
        SQLiteConfig readOnly = new SQLiteConfig();
        readOnly.setReadOnly(true);
        Database database;
        try {
            database = Database.open(target.db().url(), blankToNull(target.db().user()), blankToNull(target.db().password()), 2,
                    blankToNull(target.db().schema()));
        } catch (RuntimeException e) {
            throw new MigrateException("target database is unusable: " + e.getMessage(), e);
        }
        try (database;
                // immutable: no lock, -shm or -wal file is created next to the source, so it stays as it was
                Connection from = readOnly.createConnection("jdbc:sqlite:file:" + file.toAbsolutePath() + "?immutable=1");
                Handle handle = database.jdbi().open()) {
            return new MetadataCopy(from, handle.getConnection(), out).run();
        }
    }

    /** Before anything is written to the target: the source must be a stopped node's complete database. */
    private static void checkSourceStopped(WharfConfig source) {
        Path file = sqliteFile(source.db().url());
        if (!Files.isRegularFile(file)) throw new MigrateException("no SQLite database at " + file);
        Path wal = Path.of(file + "-wal");
        if (Files.exists(wal)) {
            // A node closes its database by folding the write-ahead log into the file and removing it; while the
            // log exists the file alone is not the whole database.
            throw new MigrateException(wal + " exists: the old node is still running or did not stop cleanly;"
                    + " stop it (or start and stop it once) and run migrate again");
        }
    }

    /** The source store, refusing to create a filesystem store's directories where there is none. */
    private static BlobStore openSourceBlobs(WharfConfig source) throws IOException {
        if (source.storage().driver().equals("filesystem") && !Files.isDirectory(source.storage().root().resolve("blobs"))) {
            throw new MigrateException("no blob store at " + source.storage().root() + " (no blobs/ directory)");
        }
        return BlobStores.forSingleWriter(source);
    }

    /** A store closed after use when it holds resources (the S3 client); the target's is probed first. */
    private static final class BlobStoreHandle implements AutoCloseable {
        final BlobStore store;

        BlobStoreHandle(BlobStore store, boolean probe) {
            this.store = store;
            if (!probe) return;
            try {
                store.probe(); // writes and deletes a probe object: never done to the source
            } catch (IOException | RuntimeException e) {
                close();
                throw new MigrateException("target blob storage is unusable: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            if (store instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("wharf migrate: closing a blob store: " + e);
                }
            }
        }
    }

    private void printSecretKeyAdvice(WharfConfig source) {
        if (!source.auth().secretKey().isBlank()) {
            out.println("the new nodes need the old node's secret_key setting (it seals the stored secrets)");
        } else if (Files.isRegularFile(source.dataDir().resolve(SecretBox.KEY_FILE))) {
            out.println("the new nodes need secret_key = the content of "
                    + source.dataDir().resolve(SecretBox.KEY_FILE) + " (it seals the signing key and 2FA secrets)");
        }
    }

    /** --from-X goes to the source's settings as --X, --to-X to the target's. */
    private static void split(List<String> args, List<String> from, List<String> to) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            List<String> side;
            String flag;
            if (a.startsWith("--from-")) {
                side = from;
                flag = "--" + a.substring("--from-".length());
            } else if (a.startsWith("--to-")) {
                side = to;
                flag = "--" + a.substring("--to-".length());
            } else {
                throw new ConfigException("unexpected argument '" + a + "': migrate takes --from-<setting> and"
                        + " --to-<setting> flags (see docs/operations.md)");
            }
            side.add(flag);
            if (!a.contains("=")) {
                if (i + 1 >= args.size()) throw new ConfigException("flag " + a + " needs a value");
                side.add(args.get(++i));
            }
        }
    }

    private static Path sqliteFile(String url) {
        String file = url.substring("jdbc:sqlite:".length());
        if (file.startsWith("file:")) file = file.substring("file:".length());
        int query = file.indexOf('?');
        return Path.of(query < 0 ? file : file.substring(0, query));
    }

    private static String describe(WharfConfig c) {
        return c.storage().driver().equals("s3") ? "s3://" + c.storage().s3().bucket() + "/" + c.storage().s3().prefix()
                : "filesystem " + c.storage().root();
    }

    /** JDBC URLs may carry a password parameter; print only up to the query. */
    private static String redact(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q) + "?...";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("wharf migrate: could not remove scratch directory " + dir + ": " + e.getMessage());
        }
    }
}
