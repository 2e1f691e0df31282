/*
 * Stand-in "Wharf" for an A/A run of bench/run.sh: `java -jar standin.jar serve` runs a second
 * CNCF Distribution on WHARF_ADDR with its data in WHARF_DATA_DIR, so every ratio in the table
 * shows only noise. The CPU and RSS rows then measure this wrapper, not a registry. Build and run:
 *
 *   J=/usr/lib/jvm/temurin-25-jdk-amd64/bin; d=$(mktemp -d)
 *   $J/javac -d $d/cls bench/standin/Main.java && printf 'Main-Class: Main\n' > $d/m.txt
 *   $J/jar cfm $d/standin.jar $d/m.txt -C $d/cls .
 *   BENCH_WHARF_READY_PATH=/v2/ bench/run.sh --no-build --jar $d/standin.jar
 */
import java.nio.file.Files;
import java.nio.file.Path;

public class Main {
    public static void main(String[] args) throws Exception {
        String addr = System.getenv("WHARF_ADDR");
        String dir = System.getenv("WHARF_DATA_DIR");
        Path cfg = Path.of(dir, "config.yml");
        Files.writeString(cfg, """
                version: 0.1
                log:
                  level: error
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: %s/registry
                  delete:
                    enabled: true
                  cache:
                    blobdescriptor: inmemory
                http:
                  addr: %s
                """.formatted(dir, addr));
        Process p = new ProcessBuilder("/usr/bin/docker-registry", "serve", cfg.toString()).inheritIO().start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
        System.exit(p.waitFor());
    }
}
