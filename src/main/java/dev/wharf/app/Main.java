package dev.wharf.app;

import dev.wharf.config.ConfigException;
import dev.wharf.config.ConfigLoader;
import dev.wharf.config.WharfConfig;
import dev.wharf.storage.meta.SqliteNativeLibrary;
import java.util.Arrays;
import java.util.List;

/** Command line entry point: {@code wharf serve [--flag value ...]}, {@code wharf help}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        List<String> rest = args.length == 0 ? List.of() : Arrays.asList(args).subList(1, args.length);
        String command = args.length == 0 ? "serve" : args[0];
        if (!List.of("help", "--help", "-h", "version", "--version").contains(command)) {
            SqliteNativeLibrary.useLauncherCopy(); // before any command opens SQLite
        }
        try {
            switch (command) {
                case "serve" -> serve(rest);
                case "user", "org" -> System.exit(new AdminCli(System.out).run(command, rest));
                case "migrate" -> System.exit(new MigrateCli(System.out, System.getenv()).run(rest));
                case "self-test" -> System.exit(new SelfTest(System.out).run());
                case "gc" -> System.exit(new GcCli(System.out, System.getenv()).run(rest));
                case "help", "--help", "-h" -> usage();
                case "version", "--version" -> System.out.println("wharf " + version());
                default -> {
                    System.err.println("unknown command '" + command + "'");
                    usage();
                    System.exit(2);
                }
            }
        } catch (ConfigException e) {
            System.err.println("wharf: configuration error: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void serve(List<String> args) {
        WharfConfig config = ConfigLoader.load(args, System.getenv());
        Logging.setLevel(config.log().level());
        WharfServer server;
        try {
            server = WharfServer.start(config);
        } catch (StartupException e) {
            System.err.println("wharf: cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        String trust = server.selfSignedInstructions();
        if (trust != null) System.out.println(trust);
        Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "wharf-shutdown"));
        server.awaitStop();
    }

    private static void usage() {
        System.out.println("""
                usage: wharf <command> [flags]

                commands:
                  serve     run the registry (default); flags override wharf.yaml and WHARF_* variables,
                            e.g. --addr 127.0.0.1:5000 --data-dir ./data --db-url jdbc:postgresql://...
                            HTTPS: --tls-cert-file FULLCHAIN.pem --tls-key-file KEY.pem, or to try it out
                            --tls-self-signed [--tls-hosts registry.lan,10.0.0.5] (prints what clients need)
                  user create NAME --email E [--password P|-] [--admin]
                  user passwd NAME [--password P|-]
                  user list
                  org create NAME --owner USER
                  org member ORG USER --role owner|editor|member
                            manage accounts in this node's database (password "-" or none: read stdin)
                  migrate --from-data-dir DIR --to-db-url jdbc:postgresql://... [--to-storage-driver s3 ...]
                            copy a stopped embedded node's metadata and blobs to PostgreSQL and S3;
                            --from-X / --to-X are setting X of the old / new node (docs/operations.md);
                            with --blobs-only, only the blobs, while the node still runs (before the stop)
                  self-test start a throwaway node on a temporary directory, push, pull and sign in, stop
                  gc [--dry-run]
                            one garbage collection pass now (untagged manifests past gc.untagged_grace, blobs no
                            manifest references past gc.blob_grace); --dry-run only lists them
                  version   print the version
                  help      this text

                settings: see docs/configuration.md""");
    }

    static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
