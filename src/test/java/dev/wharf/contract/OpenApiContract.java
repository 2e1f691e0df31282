package dev.wharf.contract;

import static org.assertj.core.api.Assertions.fail;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.ComposedSchema;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.servers.Server;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Validates real HTTP exchanges against an OpenAPI document, so tests catch drift between what Wharf serves and the
 * API it claims to implement.
 *
 * <p>Every check fails (AssertJ {@code AssertionError}) when the operation is not in the document, when the status
 * is not documented for it, or when the validator reports any error; the message lists every validation error.
 * A {@code default} response only covers error statuses (4xx/5xx): a success status the document does not list is
 * drift, not something the catch-all error schema should quietly absorb.
 *
 * <p>Documents are parsed once per JVM and cached.
 */
public final class OpenApiContract {
    private static final Map<String, OpenApiContract> CACHE = new ConcurrentHashMap<>();

    private final String name;
    private final OpenAPI api;
    private final String basePath;
    private final OpenApiInteractionValidator validator;
    private final List<Route> routes;

    /**
     * The seed document violates OAS 3.0 once: GET /v2/access-tokens/{uuid} declares no {@code uuid} parameter (PATCH
     * and DELETE declare it on the operation). Re-indenting cannot fix that: in the seed {@code patch:} follows the
     * path key directly, so no parameter list can sit on the path item. latest.yaml fixed it upstream.
     */
    static final List<String> DOCKER_HUB_BETA_DEFECTS = List.of(
            "paths.'/v2/access-tokens/{uuid}'. Declared path parameter uuid needs to be defined as a path parameter"
                    + " in path or operation level");

    /**
     * Upstream defects of the read-only latest.yaml. Two make some checks looser: the {@code required} lists of
     * orgAccessTokenResource and createOrgAccessTokenRequest are strings, so they are dropped, and team_repo's $ref
     * points at a response. The rest are a missing description and a path parameter declared on only some operations.
     */
    static final List<String> DOCKER_HUB_LATEST_DEFECTS = List.of(
            "attribute components.schemas.orgAccessTokenResource.required is not of type `array`",
            "attribute components.schemas.createOrgAccessTokenRequest.required is not of type `array`",
            "attribute paths.'/v2/namespaces/{namespace}/repositories/{repository}'(get).responses.200.description"
                    + " is missing",
            "attribute paths.'/v2/namespaces/{namespace}/repositories/{repository}'(head).responses.200.description"
                    + " is missing",
            "components.schemas.team_repo.$ref target #/components/responses/team_repo is not of expected type Schema",
            "paths.'/v2/orgs/{name}/access-tokens'. Declared path parameter name needs to be defined as a path"
                    + " parameter in path or operation level");

    private OpenApiContract(String name, String yaml, List<String> toleratedParserMessages) {
        this.name = name;
        // The validator's own loader refuses a document as soon as swagger-parser says anything about it. Vendor
        // documents we cannot edit have a few known defects, so we parse with the loader's options ourselves, accept
        // exactly the listed messages and hand the model over; a new message still stops the load.
        SwaggerParseResult parsed = new OpenAPIParser().readContents(yaml, List.of(), validatorParseOptions());
        if (parsed.getOpenAPI() == null) {
            throw new IllegalArgumentException(name + " is not an OpenAPI document: " + parsed.getMessages());
        }
        List<String> unexpected = parsed.getMessages() == null ? List.of() : parsed.getMessages().stream()
                .filter(m -> !toleratedParserMessages.contains(m))
                .toList();
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException(name + ": swagger-parser reports " + unexpected);
        }
        this.api = parsed.getOpenAPI();
        clearObjectTypeOfComposedSchemas(api);
        this.basePath = basePathOf(api);
        this.routes = routesOf(api);
        this.validator = OpenApiInteractionValidator.createFor(api)
                .withLevelResolver(LevelResolver.create()
                        // Contract tests check the shape of messages; authentication has its own tests, and most
                        // exchanges here are made without credentials (or with Wharf's, not the vendor's).
                        .withLevel("validation.request.security.missing", ValidationReport.Level.IGNORE)
                        // Undocumented members are legal (no document here says additionalProperties: false). The
                        // validator's strict mode would also inject additionalProperties: false into every allOf
                        // branch, so no object could satisfy e.g. Docker Hub's allOf [accessToken, {token}].
                        .withLevel("validation.schema.additionalProperties", ValidationReport.Level.IGNORE)
                        // as the validator's default resolver: query parameters the document does not know are
                        // not an error (clients may add cache busters and the like)
                        .withLevel("validation.request.parameter.query.unexpected", ValidationReport.Level.IGNORE)
                        .build())
                .build();
    }

    /** The Docker Hub API (beta) restored from seed 004: {@code src/test/resources/contracts/docker-hub-beta.yaml}. */
    public static OpenApiContract dockerHubBeta() {
        return cached("docker-hub-beta", () -> classpath("/contracts/docker-hub-beta.yaml"), DOCKER_HUB_BETA_DEFECTS);
    }

    /** The current Docker Hub API (2-beta, 2025-11): {@code shared/reference/docker-hub/latest.yaml}. */
    public static OpenApiContract dockerHubLatest() {
        return cached("docker-hub-latest", () -> shared("reference/docker-hub/latest.yaml"),
                DOCKER_HUB_LATEST_DEFECTS);
    }

    /** Cycle's Image Sources operations (OpenAPI 3.1): {@code shared/reference/cycle/image-sources.bundled.yaml}. */
    public static OpenApiContract cycleImageSources() {
        return cached("cycle-image-sources", () -> shared("reference/cycle/image-sources.bundled.yaml"), List.of());
    }

    /** Cycle's Images and Jobs operations (OpenAPI 3.1): {@code shared/reference/cycle/images-and-jobs.bundled.yaml} */
    public static OpenApiContract cycleImagesAndJobs() {
        // StackVariable's pattern "?{{($)?([a-z0-9\-]+)}}"? is valid ECMAScript (a brace that starts no
        // quantifier is literal) but not a Java regex, so the validator could not build any schema that reaches it
        // (GET /v1/images/{id}'s includes). Escaping the braces keeps the meaning.
        return cached("cycle-images-and-jobs", () -> shared("reference/cycle/images-and-jobs.bundled.yaml")
                .replace("pattern: \\\"?{{(\\$)?([a-z0-9\\-]+)}}\\\"?",
                        "pattern: \\\"?\\{\\{(\\$)?([a-z0-9\\-]+)\\}\\}\\\"?"), List.of());
    }

    /** A contract for any other document (not cached): {@code name} only labels failure messages. */
    public static OpenApiContract fromYaml(String name, String yaml) {
        return new OpenApiContract(name, yaml, List.of());
    }

    public String name() {
        return name;
    }

    /** The parsed document (refs resolved), for tests that want to inspect what is documented. */
    public OpenAPI api() {
        return api;
    }

    /**
     * Asserts that a response is one the document allows for this operation.
     *
     * @param method HTTP method, any case
     * @param pathWithQuery request path as sent, e.g. {@code /v2/namespaces/acme/repositories?page=2}; the query is
     *     ignored (only the response is validated); the servers' base path may be included or left out
     * @param contentType response Content-Type, or null when there is no body
     * @param body response body, or null
     */
    public void assertResponseMatches(String method, String pathWithQuery, int status, String contentType,
            String body) {
        Target t = target(method, pathWithQuery, status);
        ValidationReport report = validator.validateResponse(t.fullPath, t.method, response(status, contentType, body));
        failOnErrors(t, status, report);
    }

    /** {@link #assertResponseMatches(String, String, int, String, String)} for a response from java.net.http. */
    public void assertResponseMatches(HttpResponse<byte[]> response) {
        URI uri = response.uri();
        String pathWithQuery = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        String contentType = response.headers().firstValue("Content-Type").orElse(null);
        byte[] body = response.body();
        assertResponseMatches(response.request().method(), pathWithQuery, response.statusCode(), contentType,
                body == null || body.length == 0 ? null : new String(body, StandardCharsets.UTF_8));
    }

    /**
     * Asserts that both the request (path and query parameters, headers, body) and the response match the document.
     * A missing credential is not reported (see the class comment); a malformed one is.
     *
     * @param requestHeaders request headers, including Content-Type when there is a body; may be empty
     * @param requestBody request body, or null
     */
    public void assertExchangeMatches(String method, String pathWithQuery, Map<String, String> requestHeaders,
            String requestBody, int status, String contentType, String body) {
        Target t = target(method, pathWithQuery, status);
        SimpleRequest.Builder request = new SimpleRequest.Builder(t.method, t.fullPath);
        requestHeaders.forEach(request::withHeader);
        queryParameters(pathWithQuery).forEach(request::withQueryParam);
        if (requestBody != null) {
            request.withBody(requestBody);
        }
        ValidationReport report = validator.validate(request.build(), response(status, contentType, body));
        failOnErrors(t, status, report);
    }

    // ------------------------------------------------------------------------------------------ operation lookup

    private Target target(String method, String pathWithQuery, int status) {
        Request.Method m = Request.Method.valueOf(method.toUpperCase(Locale.ROOT));
        String path = pathWithQuery.split("\\?", 2)[0];
        String docPath = !basePath.isEmpty() && (path.equals(basePath) || path.startsWith(basePath + "/"))
                ? path.substring(basePath.length())
                : path;
        Route route = routes.stream()
                .filter(r -> r.pattern.matcher(docPath).matches())
                .max(Comparator.comparingInt(r -> r.literalChars))
                .orElse(null);
        if (route == null) {
            fail("%s: no path in the document matches %s %s (base path \"%s\")", name, m, path, basePath);
        }
        Operation op = operation(route.item, m);
        if (op == null) {
            fail("%s: %s %s matches %s, which documents only %s", name, m, path, route.template,
                    route.item.readOperationsMap().keySet());
        }
        Map<String, ?> responses = op.getResponses() == null ? Map.of() : op.getResponses();
        if (!statusDocumented(responses, status)) {
            fail("%s: %s %s documents responses %s, not %d", name, m, route.template,
                    new TreeSet<>(responses.keySet()), status);
        }
        return new Target(m, basePath + docPath, route.template);
    }

    private static boolean statusDocumented(Map<String, ?> responses, int status) {
        String code = Integer.toString(status);
        String range = code.charAt(0) + "XX";
        return responses.containsKey(code)
                || responses.containsKey(range)
                || responses.containsKey(range.toLowerCase(Locale.ROOT))
                || (status >= 400 && responses.containsKey("default"));
    }

    private static Operation operation(PathItem item, Request.Method m) {
        return switch (m) {
            case GET -> item.getGet();
            case PUT -> item.getPut();
            case POST -> item.getPost();
            case DELETE -> item.getDelete();
            case PATCH -> item.getPatch();
            case HEAD -> item.getHead();
            case OPTIONS -> item.getOptions();
            case TRACE -> item.getTrace();
        };
    }

    private static List<Route> routesOf(OpenAPI api) {
        List<Route> out = new ArrayList<>();
        if (api.getPaths() == null) {
            return out;
        }
        api.getPaths().forEach((template, item) -> {
            StringBuilder regex = new StringBuilder();
            int literal = 0;
            for (String part : template.split("(?=\\{)|(?<=\\})")) {
                if (part.startsWith("{") && part.endsWith("}")) {
                    regex.append("[^/]+");
                } else {
                    regex.append(Pattern.quote(part));
                    literal += part.length();
                }
            }
            out.add(new Route(template, item, Pattern.compile(regex.toString()), literal));
        });
        return out;
    }

    /** The path of the first server URL, without a trailing slash ("" for none): paths in the document follow it. */
    private static String basePathOf(OpenAPI api) {
        List<Server> servers = api.getServers();
        if (servers == null || servers.isEmpty() || servers.get(0).getUrl() == null) {
            return "";
        }
        String path = Optional.ofNullable(URI.create(servers.get(0).getUrl()).getPath()).orElse("");
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private void failOnErrors(Target t, int status, ValidationReport report) {
        if (report.hasErrors()) {
            StringBuilder lines = new StringBuilder();
            report.getMessages().forEach(m -> describe(m, "  ", lines));
            // the validator can report one problem through two paths (e.g. a schema and its $ref target)
            String msg = String.join(System.lineSeparator(), new LinkedHashSet<>(lines.toString().lines().toList()));
            fail("%s: %s %s (%s) -> %d does not match the document:%n%s", name, t.method, t.fullPath, t.template,
                    status, msg);
        }
    }

    /** One line per message: level, key, where in the message (JSON pointer) and what is wrong. */
    private static void describe(ValidationReport.Message m, String indent, StringBuilder out) {
        if (m.getLevel() == ValidationReport.Level.IGNORE) {
            return;
        }
        Optional<ValidationReport.MessageContext> context = m.getContext();
        String where = context.flatMap(ValidationReport.MessageContext::getParameter)
                .map(p -> " in " + p.getIn() + " parameter '" + p.getName() + "'")
                .orElse("")
                + context.flatMap(ValidationReport.MessageContext::getPointers)
                .map(p -> " at " + (p.getInstance() == null || p.getInstance().isEmpty() ? "/" : p.getInstance()))
                .orElse("");
        out.append(indent).append('[').append(m.getLevel()).append("] ").append(m.getKey()).append(where)
                .append(": ").append(m.getMessage()).append(System.lineSeparator());
        m.getAdditionalInfo().forEach(i -> out.append(indent).append("    ").append(i).append(System.lineSeparator()));
        m.getNestedMessages().forEach(n -> describe(n, indent + "    ", out));
    }

    private static SimpleResponse response(int status, String contentType, String body) {
        SimpleResponse.Builder b = new SimpleResponse.Builder(status);
        if (contentType != null) {
            b.withContentType(contentType);
        }
        if (body != null) {
            b.withBody(body);
        }
        return b.build();
    }

    private static Map<String, List<String>> queryParameters(String pathWithQuery) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String[] split = pathWithQuery.split("\\?", 2);
        if (split.length < 2 || split[1].isEmpty()) {
            return out;
        }
        for (String pair : split[1].split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            String[] kv = pair.split("=", 2);
            out.computeIfAbsent(decode(kv[0]), k -> new ArrayList<>()).add(kv.length > 1 ? decode(kv[1]) : "");
        }
        return out;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static OpenApiContract cached(String name, Supplier<String> yaml, List<String> tolerated) {
        return CACHE.computeIfAbsent(name, n -> new OpenApiContract(n, yaml.get(), tolerated));
    }

    /** What {@code OpenApiInteractionValidator.Builder} uses by default, so the model is the one it expects. */
    static ParseOptions validatorParseOptions() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setResolveFully(true);
        options.setResolveCombinators(false);
        options.setExplicitObjectSchema(false);
        return options;
    }

    /**
     * The validator's loader does this after parsing: full resolution marks allOf/oneOf/anyOf schemas as
     * {@code type: object}, which then rejects a oneOf branch that is not an object. Same traversal as the loader's.
     */
    private static void clearObjectTypeOfComposedSchemas(OpenAPI api) {
        if (api.getComponents() != null && api.getComponents().getSchemas() != null) {
            api.getComponents().getSchemas().values().forEach(OpenApiContract::clearObjectType);
        }
    }

    private static void clearObjectType(Schema<?> schema) {
        if (schema instanceof ObjectSchema o && o.getProperties() != null) {
            o.getProperties().values().forEach(OpenApiContract::clearObjectType);
        } else if (schema instanceof ArraySchema a && a.getItems() != null) {
            clearObjectType(a.getItems());
        } else if (schema instanceof ComposedSchema c) {
            c.setType(null);
        }
    }

    private static String classpath(String resource) {
        try (InputStream in = OpenApiContract.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String shared(String relative) {
        Path p = SharedFiles.resolve(relative);
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Route(String template, PathItem item, Pattern pattern, int literalChars) {}

    private record Target(Request.Method method, String fullPath, String template) {}
}
