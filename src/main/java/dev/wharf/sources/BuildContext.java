package dev.wharf.sources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wharf.jobs.JobContext;
import dev.wharf.jobs.JobFailure;
import dev.wharf.upstream.OutboundHttp;
import dev.wharf.upstream.OutboundResponse;
import dev.wharf.upstream.UpstreamException;
import dev.wharf.sources.build.Sandbox;
import dev.wharf.sources.build.Trees;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Gets a build's context into {@code <work>/context}: a Git clone, or a tarball (downloaded from a
 * {@code targz_url}, or uploaded for the image) unpacked with the system's tar. Also writes what buildah needs
 * beside it: registry credentials for base images and a registries.conf that resolves short names on Docker Hub,
 * as {@code docker build} does. Credentials go into files and environment variables of the child processes
 * (mode 0600, inside the job's directory), never onto command lines, where other users could read them.
 */
final class BuildContext {
    private final Path work;
    private final BuildLog log;
    private final Runnable flush;
    private final JobContext ctx;
    private final long deadline;
    private final BuildJob.Settings settings;
    private final BuildSteps steps;
    private final Sandbox sandbox;

    BuildContext(BuildSteps steps, Sandbox sandbox, BuildLog log, Runnable flush, JobContext ctx, long deadline,
            BuildJob.Settings settings) {
        this.work = steps.work();
        this.steps = steps;
        this.sandbox = sandbox;
        this.log = log;
        this.flush = flush;
        this.ctx = ctx;
        this.deadline = deadline;
        this.settings = settings;
    }

    /** Where the context is: an uploaded tarball first, then the image's override, then the origin's fields. */
    Path fetch(JsonNode details, JsonNode override, ImageTarball.Opener upload) throws IOException {
        Path dir = Files.createDirectories(work.resolve("context"));
        String targz = override != null && override.hasNonNull("targz_url") ? override.get("targz_url").asText()
                : details.path("targz_url").asText(null);
        if (upload != null) {
            log.line("[wharf] build context: the uploaded tarball");
            try (InputStream in = upload.open()) {
                Files.copy(in, work.resolve("context.tar"));
            }
            return untar(dir);
        }
        if (targz != null && !targz.isBlank()) {
            download(targz);
            return untar(dir);
        }
        if (details.path("repo").isObject()) return clone(details.path("repo"), dir);
        throw JobFailure.permanent("this docker-file source has no repo and no targz_url: upload the build context"
                + " with POST /v1/images/{id}/upload");
    }

    private Path clone(JsonNode repo, Path dir) {
        String url = repo.path("url").asText();
        Map<String, String> env = new HashMap<>(Map.of("HOME", work.toString(), "GIT_TERMINAL_PROMPT", "0",
                "GIT_CONFIG_NOSYSTEM", "1", "GIT_CONFIG_GLOBAL", "/dev/null",
                "GIT_ALLOW_PROTOCOL", String.join(":", settings.gitProtocols())));
        List<String[]> gitConfig = new ArrayList<>();
        gitAuth(repo.path("auth"), env, gitConfig);
        // After gitAuth, which may set GIT_SSH_COMMAND: the outbound policy's address is appended to it.
        gitConfig.addAll(GitRemote.pin(url, settings.outbound().policy(), env));
        try {
            env.putAll(GitTls.environment(settings.outbound().trustedCas(), work)); // outbound.ca_file
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        env.put("GIT_CONFIG_COUNT", Integer.toString(gitConfig.size()));
        for (int i = 0; i < gitConfig.size(); i++) {
            env.put("GIT_CONFIG_KEY_" + i, gitConfig.get(i)[0]);
            env.put("GIT_CONFIG_VALUE_" + i, gitConfig.get(i)[1]);
        }
        JsonNode ref = repo.path("ref");
        String refType = ref.path("type").asText("");
        String branch = switch (refType) {
            case "branch", "tag" -> ref.path("value").asText();
            default -> repo.hasNonNull("branch") && !repo.get("branch").asText().isBlank()
                    ? repo.get("branch").asText() : null;
        };
        log.line("[wharf] build context: git clone " + url + (branch == null ? "" : " (" + branch + ")")
                + ("hash".equals(refType) ? " at " + ref.path("value").asText() : ""));
        List<String> clone = new ArrayList<>(List.of("git", "clone", "--quiet"));
        if ("hash".equals(refType)) {
            clone.add("--no-checkout"); // any commit, not only a branch tip: needs the history
        } else {
            clone.addAll(List.of("--depth", "1"));
            if (branch != null) clone.add("--branch=" + branch);
        }
        clone.addAll(List.of("--", url, dir.toString()));
        try {
            run(clone, env, "cloning " + url, "could not clone " + url);
            if ("hash".equals(refType)) {
                run(List.of("git", "-C", dir.toString(), "checkout", "--quiet", "--detach",
                        ref.path("value").asText()), env, "checking out " + ref.path("value").asText(),
                        "could not check out commit " + ref.path("value").asText());
            }
        } finally {
            // The key must not reach the sandbox, where the Dockerfile's steps could read it.
            deleteQuietly(work.resolve("ssh-key"));
            deleteQuietly(work.resolve("known_hosts"));
        }
        return dir;
    }

    /** HTTP credentials as an extra header from the environment; an SSH key as a 0600 file. */
    private void gitAuth(JsonNode auth, Map<String, String> env, List<String[]> gitConfig) {
        if (!auth.isObject()) return;
        JsonNode cred = auth.path("credentials");
        if ("http".equals(auth.path("type").asText())) {
            String basic = Base64.getEncoder().encodeToString((cred.path("username").asText() + ":"
                    + cred.path("password").asText()).getBytes(StandardCharsets.UTF_8));
            gitConfig.add(new String[] {"http.extraHeader", "Authorization: Basic " + basic});
        } else if ("ssh".equals(auth.path("type").asText())) {
            if (!cred.path("passphrase").asText("").isEmpty()) {
                throw JobFailure.permanent("SSH keys with a passphrase cannot be used for builds; use a deploy key"
                        + " without one");
            }
            Path key = secretFile("ssh-key", cred.path("private_key").asText().strip() + "\n");
            env.put("GIT_SSH_COMMAND", "ssh -i " + key + " -o IdentitiesOnly=yes -o BatchMode=yes"
                    + " -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=" + work.resolve("known_hosts")
                    + " -l " + cred.path("username").asText("git"));
        }
    }

    /**
     * Downloads the context in the background (through the outbound policy's client) and watches it twice a
     * second, so a cancelled job, a context past the size limit or an upstream that stops sending never holds
     * the worker: the exchange is simply abandoned.
     */
    private void download(String url) {
        log.line("[wharf] build context: downloading " + url);
        flush.run();
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw JobFailure.permanent("targz_url is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw JobFailure.permanent("targz_url must be an http or https URL");
        }
        Path target = work.resolve("context.tar");
        Duration left = Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
        java.util.concurrent.atomic.AtomicReference<OutboundResponse> open = new java.util.concurrent.atomic.AtomicReference<>();
        CompletableFuture<Integer> exchange = CompletableFuture.supplyAsync(() -> {
            OutboundResponse r = settings.outbound().get(uri, Map.of(), left);
            open.set(r);
            if (r.status() != 200) return r.status();
            try (InputStream in = r.body()) {
                Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UpstreamException(UpstreamException.Reason.UNREACHABLE, "connection to "
                        + uri.getHost() + " lost while downloading the build context");
            }
            return 200;
        }, task -> Thread.ofVirtual().name("wharf-context-download").start(task));
        int status;
        try {
            while (true) {
                try {
                    status = exchange.get(500, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException stillRunning) {
                    ctx.checkCancelled();
                    if (Files.exists(target) && Files.size(target) > settings.maxContextBytes()) {
                        throw JobFailure.permanent("the build context at " + url + " is larger than "
                                + settings.maxContextBytes() + " bytes (sources.upload_max_bytes)");
                    }
                    if (System.nanoTime() > deadline) {
                        throw JobFailure.permanent("downloading the build context took longer than the build time"
                                + " limit (sources.build_timeout)");
                    }
                }
            }
        } catch (ExecutionException e) {
            // Messages of Wharf's own (OutboundHttp): never the peer's bytes.
            if (e.getCause() instanceof UpstreamException u) {
                String message = "cannot download the build context: " + u.getMessage();
                throw u.isTransient() ? JobFailure.transientError(message, u, u.retryAfter().orElse(null))
                        : JobFailure.permanent(message);
            }
            throw JobFailure.transientError("cannot download the build context from " + uri.getHost(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw JobFailure.permanent("the server is stopping");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            exchange.cancel(true); // no-op when it completed
            OutboundResponse r = open.get();
            if (r != null) r.close(); // abandons a transfer still running
        }
        if (status != 200) {
            throw JobFailure.permanent("could not download the build context " + url + ": HTTP " + status);
        }
        try {
            if (Files.size(target) > settings.maxContextBytes()) {
                throw JobFailure.permanent("the build context at " + url + " is larger than "
                        + settings.maxContextBytes() + " bytes (sources.upload_max_bytes)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Unpacks {@code context.tar} (plain or compressed: GNU tar detects it). GNU tar keeps every member inside the
     * directory: it strips leading slashes, skips names with {@code ..} and delays symbolic links so none can
     * redirect a later member. A tarball holding a single top-level directory (as GitHub's archives do) has that
     * directory as its context.
     */
    private Path untar(Path dir) throws IOException {
        // Unpacked in the sandbox, as the build's root, under the disk limit: a tarball is untrusted input.
        sandbox.handOver(work);
        BuildProcess.Result r = steps.run(List.of("tar", "-x", "-f", steps.inside(work.resolve("context.tar")),
                "-C", steps.inside(dir), "--no-same-owner", "--no-same-permissions"), Map.of(),
                Sandbox.Network.NONE, "unpacking the build context");
        if (r.exitCode() != 0) {
            throw JobFailure.permanent("the build context is not a readable tar archive: " + r.lastError());
        }
        Files.delete(work.resolve("context.tar"));
        try (Stream<Path> top = Files.list(dir)) {
            List<Path> entries = top.toList();
            if (entries.size() == 1 && Files.isDirectory(entries.get(0), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return entries.get(0);
            }
        }
        return dir;
    }

    /**
     * The environment of buildah inside the sandbox: its registries.conf (short names resolve on Docker Hub; this
     * Wharf's own loopback address is a plain-HTTP registry), credentials for base images, scratch space in the
     * job. Paths are the sandbox's ({@code /build/...}).
     */
    Map<String, String> buildahEnv(JsonNode credentials) throws IOException {
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        Path registries = work.resolve("registries.conf");
        StringBuilder conf = new StringBuilder("unqualified-search-registries = [\"docker.io\"]\n"
                + "short-name-mode = \"permissive\"\n");
        String local = settings.localRegistry().get();
        if (local != null) {
            conf.append("\n[[registry]]\nlocation = \"").append(local)
                    .append("\"\ninsecure = true\n");
        }
        Files.writeString(registries, conf);
        Map<String, String> env = new HashMap<>(Map.of("HOME", steps.inside(work), "TMPDIR", steps.inside(tmp),
                "CONTAINERS_REGISTRIES_CONF", steps.inside(registries)));
        if (credentials.isArray() && !credentials.isEmpty()) {
            ObjectNode auths = Json.MAPPER.createObjectNode();
            ObjectNode all = auths.putObject("auths");
            for (JsonNode c : credentials) {
                String host = c.path("url").asText("").replaceFirst("^[a-z]+://", "").replaceFirst("/.*$", "");
                if (host.isEmpty()) continue;
                String pair = c.path("username").asText("") + ":" + c.path("token").asText("");
                all.putObject(host).put("auth", Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
            }
            env.put("REGISTRY_AUTH_FILE", steps.inside(secretFile("auth.json", Json.write(auths))));
        }
        return env;
    }

    private Path secretFile(String name, String content) {
        try {
            Path file = Files.createFile(work.resolve(name),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, content);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void run(List<String> command, Map<String, String> env, String what, String failure) {
        BuildProcess.Result r = BuildProcess.run(command, env, work, log, flush, ctx, deadline, what);
        if (r.exitCode() != 0) throw JobFailure.permanent(failure + ": " + r.lastError());
    }

    /**
     * {@code relative} resolved inside {@code root}, which it must not leave, not even through a symbolic link
     * (a Dockerfile linked to a file of the server would otherwise be read).
     */
    static Path inside(Path root, String relative, String field) {
        if (relative == null || relative.isBlank()) return root;
        Path path = root.resolve(relative).normalize();
        if (!path.startsWith(root)) throw JobFailure.permanent(field + " points outside the repository: " + relative);
        try {
            Path real = path.toRealPath();
            if (!real.startsWith(root.toRealPath())) {
                throw JobFailure.permanent(field + " points outside the repository: " + relative);
            }
            return real;
        } catch (NoSuchFileException e) {
            throw JobFailure.permanent(field + " " + relative + " does not exist in the build context");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes a directory tree without following symbolic links; a missing tree is fine. */
    static void deleteTree(Path root) {
        Trees.delete(root);
    }
}
