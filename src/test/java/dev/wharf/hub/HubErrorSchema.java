package dev.wharf.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.MessageResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.schema.SchemaValidator;
import dev.wharf.contract.OpenApiContract;
import io.swagger.v3.oas.models.OpenAPI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

/**
 * Checks error bodies the seed does not document for an operation (it lists no 404 for the image endpoints and
 * no 400 for their GETs) against the seed's own {@code Error} shape ({@code detail}, {@code message}), which its
 * NotFound and Unauthorized responses use. Documented statuses go through
 * {@link OpenApiContract#assertResponseMatches} as well.
 *
 * <p>400 bodies also carry {@code ValueError}'s {@code fields} and {@code text}, but are not checked against
 * {@code ValueError}: the seed declares {@code fields} as {@code type: object} with {@code items}, which
 * swagger-parser reads as an array of strings, so no per-field object (what the Hub sends) could pass.
 */
final class HubErrorSchema {
    private static final OpenAPI API = OpenApiContract.dockerHubBeta().api();
    private static final SchemaValidator VALIDATOR = new SchemaValidator(API, new MessageResolver(LevelResolver.create()
            .withLevel("validation.schema.additionalProperties", ValidationReport.Level.IGNORE).build()));

    private HubErrorSchema() {}

    static void assertHubError(HttpResponse<byte[]> r, int status) {
        assertThat(r.statusCode()).as("status of %s", ImagesServer.text(r)).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        String body = new String(r.body(), StandardCharsets.UTF_8);
        check("Error", body);
        if (status == 400) {
            assertThat(ImagesServer.json(r).path("fields").isObject()).isTrue();
            assertThat(ImagesServer.json(r).path("text").asText()).isNotBlank();
        }
        assertThat(ImagesServer.json(r).path("detail").asText()).isNotBlank();
        assertThat(ImagesServer.json(r).path("message").asText()).isNotBlank();
    }

    private static void check(String schema, String body) {
        ValidationReport report = VALIDATOR.validate(body, API.getComponents().getSchemas().get(schema), "response.body");
        if (report.hasErrors()) fail("body does not match the seed's %s schema: %s%n%s", schema, report.getMessages(), body);
    }
}
