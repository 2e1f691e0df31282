package dev.wharf.it.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs the {@code skopeo} CLI, isolated from the host's trust policy and stored credentials. Each run gets its
 * own auth file ({@code REGISTRY_AUTH_FILE}) holding the credentials remembered for the registries of this test
 * run (the Wharf administrator's, see {@link WharfProcess}), so skopeo logs in through the registry's token flow
 * as {@code docker login} would have set it up. {@link #tryRunWithoutStoredCredentials} leaves them out.
 */
public final class Skopeo {
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    /** Every registry in the ITs speaks plain HTTP; these flags allow that for whichever side is remote. */
    private static final List<String> COPY_FLAGS = List.of(
            "--src-tls-verify=false", "--dest-tls-verify=false",
            // Fail instead of silently rewriting a manifest: every IT compares digests.
            "--preserve-digests",
            // Otherwise skopeo gzips uncompressed layers when writing an OCI layout, changing digests.
            "--dest-oci-accept-uncompressed-layers");

    public record Result(int exitCode, byte[] stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        public String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    /** host:port to credentials; a later server on a reused port replaces its entry. Open registries ignore them. */
    private static final Map<String, Credentials> STORED = new ConcurrentHashMap<>();

    private Skopeo() {}

    /** Puts credentials for {@code host} (host:port) into the auth file of every later run. */
    public static void rememberCredentials(String host, Credentials credentials) {
        STORED.put(host, credentials);
    }

    /** An auth file in the containers-auth.json format for the given hosts. */
    public static String authFileJson(Map<String, Credentials> byHost) {
        StringBuilder json = new StringBuilder("{\"auths\":{");
        String separator = "";
        for (Map.Entry<String, Credentials> e : byHost.entrySet()) {
            json.append(separator).append('"').append(e.getKey()).append("\":{\"auth\":\"")
                    .append(e.getValue().basic()).append("\"}");
            separator = ",";
        }
        return json.append("}}").toString();
    }

    public static String oci(Path layout, String tag) {
        return "oci:" + layout + ":" + tag;
    }

    public static String docker(RegistryServer registry, String repositoryAndReference) {
        return "docker://" + registry.host() + "/" + repositoryAndReference;
    }

    /** {@code skopeo copy} with digest-preserving, plain-HTTP flags plus {@code extra} (e.g. {@code --all}). */
    public static void copy(String source, String destination, String... extra) {
        run(copyArgs(source, destination, extra));
    }

    /** As {@link #copy} but reports failure in the result, for pushes that are expected to break. */
    public static Result tryCopy(Duration timeout, String source, String destination, String... extra) {
        return tryRun(timeout, copyArgs(source, destination, extra));
    }

    /** {@link #tryCopy} with an empty auth file: anonymous unless {@code extra} brings credentials. */
    public static Result tryCopyWithoutStoredCredentials(Duration timeout, String source, String destination,
            String... extra) {
        return tryRunWithoutStoredCredentials(timeout, copyArgs(source, destination, extra));
    }

    private static String[] copyArgs(String source, String destination, String... extra) {
        List<String> args = new ArrayList<>(List.of("copy", "--quiet"));
        args.addAll(COPY_FLAGS);
        args.addAll(List.of(extra));
        args.add(source);
        args.add(destination);
        return args.toArray(String[]::new);
    }

    /** The manifest bytes exactly as the registry serves them. */
    public static byte[] inspectRaw(String image) {
        return check(tryRun(TIMEOUT, "inspect", "--raw", "--tls-verify=false", image), "inspect " + image).stdout();
    }

    public static Result run(String... args) {
        return check(tryRun(TIMEOUT, args), String.join(" ", args));
    }

    /** Never throws on a non-zero exit; a timeout kills skopeo and reports exit code -1. */
    public static Result tryRun(Duration timeout, String... args) {
        return execute(authFileJson(STORED), timeout, args);
    }

    /**
     * As {@link #tryRun} with an empty auth file: skopeo is anonymous unless {@code args} carry
     * {@code --creds}, {@code --src-creds}/{@code --dest-creds} or {@code --authfile}.
     */
    public static Result tryRunWithoutStoredCredentials(Duration timeout, String... args) {
        return execute("{\"auths\":{}}", timeout, args);
    }

    private static Result execute(String authFile, Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("skopeo", "--insecure-policy"));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("skopeo", ".out");
            Path err = Files.createTempFile("skopeo", ".err");
            Path auth = Files.writeString(Files.createTempFile("skopeo-auth", ".json"), authFile);
            try {
                ProcessBuilder builder = new ProcessBuilder(command)
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile());
                // Our own auth file also keeps credentials on the build machine out of the test.
                builder.environment().put("REGISTRY_AUTH_FILE", auth.toString());
                Process process = builder.start();
                boolean exited;
                try {
                    exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } finally {
                    // Also on interrupt: an orphaned skopeo would keep pushing after the test ended.
                    if (process.isAlive()) {
                        process.destroyForcibly().waitFor();
                    }
                }
                return new Result(exited ? process.exitValue() : -1, Files.readAllBytes(out),
                        (exited ? "" : "timed out after " + timeout + "\n") + Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
                Files.deleteIfExists(auth);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Result check(Result result, String what) {
        if (!result.ok()) {
            throw new SkopeoException("skopeo " + what + " exited " + result.exitCode() + ": " + result.stderr());
        }
        return result;
    }

    public static final class SkopeoException extends RuntimeException {
        SkopeoException(String message) {
            super(message);
        }
    }
}
