package dev.wharf.hub;

import dev.wharf.model.RepositoryName;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Repository paths whose repository name is given as several segments: {@code …/repositories/library/alpine/tags}
 * for the repository {@code library/alpine}. The Hub's repository routes take the name in one segment
 * ({@code {repository}}); every such route of one scope (the current {@code /v2/namespaces/{namespace}/repositories}
 * or the older {@code /v2/repositories/{namespace}}) is recorded here as a suffix after the name, and one
 * catch-all per scope, registered after them, splits a longer path into name and suffix.
 *
 * <p>The split is the longest suffix that fits, so a path reads the way the one-segment routes read it:
 * {@code …/a/b/tags} is the tag list of {@code a/b}, not the repository {@code a/b/tags} (the URL-encoded form
 * {@code a%2Fb%2Ftags} names that one). Registry requests of a repository whose name happens to start like a
 * Hub path ({@code /v2/repositories/x/a/b/manifests/1} for the repository {@code repositories/x/a/b}) are handed
 * to the registry: anything ending in {@code manifests/<ref>}, {@code blobs/<digest>}, {@code blobs/uploads…} or
 * {@code referrers/<digest>}, and {@code tags/list} when that registry repository exists.
 */
final class NestedRoutes {
    /** A route after the repository name: its method, suffix segments ({@code {x}} for a parameter), handler. */
    private record Suffix(HandlerType method, List<String> segments, Handler handler) {}

    /** Where a path's suffix and parameters came apart. */
    record Match(String repository, Map<String, String> params, Handler handler) {}

    private final String prefix;
    private final List<Suffix> suffixes = new ArrayList<>();

    /** @param prefix the scope's path up to the repository, e.g. {@code /v2/namespaces/{namespace}/repositories} */
    NestedRoutes(String prefix) {
        this.prefix = prefix;
    }

    /** Records a route of this scope if {@code path} is one ({@code <prefix>/{repository}[/suffix]}). */
    void record(HandlerType method, String path, Handler handler) {
        String repositoryPath = prefix + "/{repository}";
        if (!path.equals(repositoryPath) && !path.startsWith(repositoryPath + "/")) return;
        String rest = path.substring(repositoryPath.length());
        suffixes.add(new Suffix(method, segments(rest), handler));
    }

    /** The catch-all path this scope registers, after all its one-segment routes. */
    String catchAll() {
        return prefix + "/<nested>";
    }

    /** The methods any recorded route takes. */
    Set<HandlerType> methods() {
        Set<HandlerType> methods = new java.util.LinkedHashSet<>();
        for (Suffix s : suffixes) methods.add(s.method());
        return methods;
    }

    /**
     * Whether a path is a registry request that only happens to fall under this scope's prefix: the registry
     * repository's name then includes the prefix ({@code repositories/x} for {@code /v2/repositories/x/…}), so the
     * shape alone decides, however few segments precede it.
     */
    static boolean registryShaped(List<String> segments) {
        int n = segments.size();
        if (n >= 2 && (segments.get(n - 2).equals("manifests") || segments.get(n - 2).equals("blobs")
                || segments.get(n - 2).equals("referrers"))) {
            return true; // …/manifests/<ref>, …/blobs/<digest> or …/blobs/uploads, …/referrers/<digest>
        }
        return n >= 3 && segments.get(n - 3).equals("blobs") && segments.get(n - 2).equals("uploads");
    }

    /** {@code …/tags/list}: the registry's tag list when that registry repository exists, else a Hub tag "list". */
    static boolean isTagList(List<String> segments) {
        int n = segments.size();
        return n >= 2 && segments.get(n - 2).equals("tags") && segments.get(n - 1).equals("list");
    }

    /**
     * Splits {@code nested} (everything after the prefix) into a repository name below {@code namespace} and the
     * longest recorded suffix of this method that fits; empty when none does or the name is not a valid one.
     */
    Optional<Match> match(HandlerType method, String namespace, List<String> segments) {
        Suffix best = null;
        Map<String, String> bestParams = null;
        for (Suffix s : suffixes) {
            if (s.method() != method) continue;
            int k = s.segments().size();
            if (segments.size() <= k || best != null && k <= best.segments().size()) continue;
            Map<String, String> params = new LinkedHashMap<>();
            boolean fits = true;
            for (int i = 0; i < k && fits; i++) {
                String pattern = s.segments().get(i);
                String actual = segments.get(segments.size() - k + i);
                if (pattern.startsWith("{") && pattern.endsWith("}")) {
                    params.put(pattern.substring(1, pattern.length() - 1), actual);
                } else {
                    fits = pattern.equals(actual);
                }
            }
            if (fits) {
                best = s;
                bestParams = params;
            }
        }
        if (best == null) return Optional.empty();
        String repository = String.join("/", segments.subList(0, segments.size() - best.segments().size()));
        if (!RepositoryName.isValid(namespace + "/" + repository)) return Optional.empty();
        bestParams.put("repository", repository);
        return Optional.of(new Match(repository, bestParams, best.handler()));
    }

    /** The non-empty segments of a path ({@code /a/b/} → a, b). */
    static List<String> segments(String path) {
        return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
    }

    /** Runs the handler a nested path names with its parameters, or answers the Hub's 404. */
    void dispatch(Context ctx, List<String> segments) throws Exception {
        Match m = match(ctx.method(), ctx.pathParam("namespace"), segments)
                .orElseThrow(RepositoryLookup::notFound);
        HubPath.set(ctx, m.params());
        m.handler().handle(ctx);
    }
}
