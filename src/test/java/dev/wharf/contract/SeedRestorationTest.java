package dev.wharf.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code contracts/docker-hub-beta.yaml} is seed 004 (the Docker Hub API "beta" document, flattened: every line lost
 * its indentation and blank lines were dropped) re-indented. It must keep the seed's text exactly and be a document
 * swagger-parser accepts; the read-only reference documents the contracts also use must at least parse.
 */
class SeedRestorationTest {
    private static final String SEED = "seeds/004_452e9bd897d476af.txt";
    private static final String RESTORED = "/contracts/docker-hub-beta.yaml";

    @Test
    void restoredFileHasExactlyTheSeedLinesOnlyReindented() throws IOException {
        List<String> seed = seedDocumentLines();
        List<String> restored = restoredText().lines().toList();

        List<String> stripped = new ArrayList<>();
        for (String line : restored) {
            if (line.isBlank()) {
                assertThat(line).as("blank lines are empty").isEmpty();
                continue;
            }
            // only spaces may have been added: YAML forbids tabs in indentation anyway
            assertThat(line).as("indentation of %s", line).doesNotStartWith("\t");
            stripped.add(line.stripLeading());
        }
        for (int i = 0; i < Math.min(seed.size(), stripped.size()); i++) {
            assertThat(stripped.get(i)).as("non-blank line %d of the restored file", i + 1).isEqualTo(seed.get(i));
        }
        assertThat(stripped).as("non-blank lines of the restored file").hasSameSizeAs(seed);
    }

    @Test
    void restoredFileIsYamlAndValidOpenApi30() throws IOException {
        // plain YAML first: a re-indentation mistake usually shows up here with a line number
        Map<String, Object> yaml = new Yaml().load(restoredText());
        assertThat(yaml).containsKeys("openapi", "info", "paths", "components");

        SwaggerParseResult result = parse(restoredText());
        // one defect of the seed's own content that indentation cannot fix (see DOCKER_HUB_BETA_DEFECTS); any other
        // message means the restoration is wrong
        assertThat(result.getMessages()).containsExactlyInAnyOrderElementsOf(OpenApiContract.DOCKER_HUB_BETA_DEFECTS);
        OpenAPI api = result.getOpenAPI();
        assertThat(api.getOpenapi()).isEqualTo("3.0.0");
        assertThat(api.getInfo().getTitle()).isEqualTo("Docker HUB API");
        assertThat(api.getInfo().getVersion()).isEqualTo("beta");
        assertThat(api.getServers()).singleElement().satisfies(s -> assertThat(s.getUrl()).isEqualTo(
                "https://hub.docker.com/"));
    }

    @Test
    void everyPathOfTheSeedIsAPathOfTheDocument() throws IOException {
        // a path key is the only kind of line in the seed that starts with "/" (quoted or not) and ends with ":"
        Pattern pathKey = Pattern.compile("^\"?(/[^\"]*)\"?:$");
        List<String> seedPaths = seedDocumentLines().stream()
                .map(pathKey::matcher)
                .filter(java.util.regex.Matcher::matches)
                .map(m -> m.group(1))
                .toList();
        assertThat(seedPaths).contains(
                "/v2/users/login",
                "/v2/users/2fa-login",
                "/v2/access-tokens",
                "/v2/access-tokens/{uuid}",
                "/v2/namespaces/{namespace}/repositories/{repository}/images-summary",
                "/v2/namespaces/{namespace}/repositories/{repository}/images",
                "/v2/namespaces/{namespace}/repositories/{repository}/images/{digest}/tags",
                "/v2/namespaces/{namespace}/delete-images",
                "/v2/auditlogs/{account}",
                "/v2/auditlogs/{account}/actions",
                "/v2/orgs/{name}/settings",
                "/v2/repositories/{namespace}/{repository}/");

        OpenAPI api = parse(restoredText()).getOpenAPI();
        assertThat(api.getPaths().keySet()).containsExactlyInAnyOrderElementsOf(seedPaths);
        // and the operations under them, so a path key indented one level too deep cannot pass unnoticed
        Map<String, List<String>> expected = Map.ofEntries(
                Map.entry("/v2/users/login", List.of("POST")),
                Map.entry("/v2/users/2fa-login", List.of("POST")),
                Map.entry("/v2/access-tokens", List.of("POST", "GET")),
                Map.entry("/v2/access-tokens/{uuid}", List.of("PATCH", "GET", "DELETE")),
                Map.entry("/v2/namespaces/{namespace}/repositories/{repository}/images-summary", List.of("GET")),
                Map.entry("/v2/namespaces/{namespace}/repositories/{repository}/images", List.of("GET")),
                Map.entry("/v2/namespaces/{namespace}/repositories/{repository}/images/{digest}/tags",
                        List.of("GET")),
                Map.entry("/v2/namespaces/{namespace}/delete-images", List.of("POST")),
                Map.entry("/v2/auditlogs/{account}", List.of("GET")),
                Map.entry("/v2/auditlogs/{account}/actions", List.of("GET")),
                Map.entry("/v2/orgs/{name}/settings", List.of("GET", "PUT")),
                Map.entry("/v2/repositories/{namespace}/{repository}/", List.of("PATCH")));
        expected.forEach((path, methods) -> assertThat(
                api.getPaths().get(path).readOperationsMap().keySet().stream().map(Enum::name).toList())
                .as("operations of %s", path)
                .containsExactlyInAnyOrderElementsOf(methods));
    }

    @Test
    @SuppressWarnings("rawtypes") // swagger-models exposes Map<String, Schema>
    void restoredSchemasKeepTheirNesting() throws IOException {
        // spots where a line could belong to an inner or an outer object; the swagger-2.0 predecessor of the seed
        // (docker/docs, docker-hub/api/latest.yaml) settles them
        OpenAPI api = parse(restoredText()).getOpenAPI();
        Map<String, Schema> schemas = api.getComponents().getSchemas();
        assertThat(schemas).hasSize(33);
        Schema<?> image = prop(schemas.get("GetNamespaceRepositoryImagesResponse"), "results").getItems();
        assertThat(image.getProperties()).containsOnlyKeys(
                "namespace", "repository", "digest", "tags", "last_pushed", "last_pulled", "status");
        assertThat(prop(image, "tags").getItems().getProperties()).containsOnlyKeys("tag", "is_current");
        Schema<?> delete = schemas.get("PostNamespacesDeleteImagesRequest");
        assertThat(delete.getProperties()).containsOnlyKeys("dry_run", "active_from", "manifests", "ignore_warnings");
        assertThat(prop(delete, "ignore_warnings").getItems().getProperties())
                .containsOnlyKeys("repository", "digest", "warning", "tags");
        assertThat(schemas.get("AuditLog").getDescription()).isEqualTo("Audit log event.");
        assertThat(schemas.get("AuditLogAction").getProperties()).containsOnlyKeys("name", "description", "label");
        assertThat(schemas.get("repository").getProperties()).containsOnlyKeys(
                "name", "namespace", "description", "is_private", "last_updated", "full_description");
    }

    private static Schema<?> prop(Schema<?> schema, String name) {
        return schema.getProperties().get(name);
    }

    /**
     * The reference documents are read-only copies of upstream files, so what swagger-parser says about them is
     * reported, not fixed. A document that cannot be read, is not OpenAPI, has fewer operations than documented in its
     * SOURCE.txt, or has a $ref that does not resolve fails: OpenApiContract would silently validate less. Messages
     * about the content (a missing description, {@code required} written as a string) are tolerated because they do
     * not change what the validator checks for the operations we use.
     */
    @Test
    void referenceDocumentsParse(TestReporter reporter) throws IOException {
        record Ref(String file, String version, int paths, int operations) {}
        for (Ref ref : List.of(
                new Ref("reference/docker-hub/latest.yaml", "3.0.3", 35, 54),
                new Ref("reference/cycle/image-sources.bundled.yaml", "3.1.0", 3, 6),
                new Ref("reference/cycle/images-and-jobs.bundled.yaml", "3.1.0", 8, 11))) {
            SwaggerParseResult result = parse(Files.readString(SharedFiles.resolve(ref.file())));
            OpenAPI api = result.getOpenAPI();
            assertThat(api).as(ref.file() + ": " + result.getMessages()).isNotNull();
            assertThat(api.getOpenapi()).as(ref.file()).isEqualTo(ref.version());
            assertThat(api.getPaths()).as(ref.file()).hasSize(ref.paths());
            assertThat(api.getPaths().values().stream().mapToInt(p -> p.readOperations().size()).sum())
                    .as("operations in " + ref.file()).isEqualTo(ref.operations());
            assertThat(result.getMessages()).as(ref.file())
                    .noneMatch(m -> m.contains("could not be resolved") || m.contains("Unable to")
                            || m.contains("unable to") || m.contains("Exception"));
            result.getMessages().forEach(m -> reporter.publishEntry(ref.file(), m));
        }
    }

    /** With the options the contract validator parses with, so both see the same messages. */
    private static SwaggerParseResult parse(String yaml) {
        return new OpenAPIParser().readContents(yaml, List.of(), OpenApiContract.validatorParseOptions());
    }

    /** The seed from its "openapi: 3.0.0" line on (before it: a few lines of web-page chrome), trailing blanks cut. */
    private static List<String> seedDocumentLines() throws IOException {
        List<String> lines = Files.readAllLines(SharedFiles.resolve(SEED), StandardCharsets.UTF_8);
        List<String> doc = new ArrayList<>(lines.subList(lines.indexOf("openapi: 3.0.0"), lines.size()));
        while (!doc.isEmpty() && doc.get(doc.size() - 1).isEmpty()) {
            doc.remove(doc.size() - 1);
        }
        assertThat(doc).as("seed document lines").hasSizeGreaterThan(1000);
        return doc;
    }

    private static String restoredText() throws IOException {
        try (InputStream in = SeedRestorationTest.class.getResourceAsStream(RESTORED)) {
            assertThat(in).as(RESTORED).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
