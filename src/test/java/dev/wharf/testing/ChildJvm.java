package dev.wharf.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The start of a command line for a JVM that a test runs as a child process (a Wharf node, the jar's admin
 * commands, s3proxy): the test JVM's own {@code java} (a JDK >= 21 chosen by the Maven toolchain; the shell's
 * default may be older), then the options of the {@code test.childJvmOptions} system property (set in the pom).
 *
 * <p>The pom sets that to {@code -XX:TieredStopAtLevel=1}: the tests' JVMs live for seconds to a minute, and with
 * C2 they spent much of the suite's CPU compiling code they would leave soon after (process accounting of one
 * integration-test run: ~850 s of CPU, ~200 s less with C1 only). What the tests check does not depend on the JIT
 * tier; how fast the shipped defaults run is what {@code bench/} measures, with {@code ./wharf serve}.
 */
public final class ChildJvm {
    private ChildJvm() {}

    /** {@code java} and the configured options, ready for the main class or {@code -jar}. */
    public static List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        String options = System.getProperty("test.childJvmOptions", "").strip();
        if (!options.isEmpty()) command.addAll(Arrays.asList(options.split("\\s+")));
        return command;
    }

    /** {@link #command()} followed by {@code -jar jar} and {@code args}. */
    public static List<String> jar(String jar, String... args) {
        List<String> command = command();
        command.add("-jar");
        command.add(jar);
        command.addAll(List.of(args));
        return command;
    }
}
