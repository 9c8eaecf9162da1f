package io.exporthub.testing.dify;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.MessageResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.schema.SchemaValidator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;

/**
 * Dify's Knowledge API as its OpenAPI document describes it (src/test/resources/dify, CC-BY-4.0),
 * checked with swagger-request-validator: paths, methods, parameters, the Bearer key and JSON
 * bodies by the validator itself; multipart bodies, which it does not read, part by part against
 * the same schemas, including the JSON text of the {@code data} part.
 */
final class DifySpec {

    static final String RESOURCE = "/dify/dify-knowledge-openapi.json";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    // what update-by-file's data accepts, by its description: create-by-text's settings less name, text and indexing_technique
    private static final Set<String> UPDATE_FILE_DATA = Set.of("doc_form", "doc_language", "process_rule", "retrieval_model",
            "embedding_model", "embedding_model_provider");

    private final OpenApiInteractionValidator validator;
    private final SchemaValidator schemas;
    private final OpenAPI api;

    DifySpec() {
        String spec;
        try (InputStream in = DifySpec.class.getResourceAsStream(RESOURCE)) {
            spec = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("cannot read " + RESOURCE, e);
        }
        // the document's server is https://{api_base_url} with api.dify.ai/v1; the fake serves /v1 too
        validator = OpenApiInteractionValidator.createForInlineApiSpecification(spec).withBasePathOverride("/v1").build();
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setResolveFully(true);
        api = new OpenAPIV3Parser().readContents(spec, null, options).getOpenAPI();
        schemas = new SchemaValidator(api, new MessageResolver());
    }

    /** The problems of a request: empty when it is one the document allows. */
    List<String> check(String method, String path, Map<String, List<String>> query, Map<String, List<String>> headers,
                       String contentType, byte[] body) {
        SimpleRequest.Builder request = new SimpleRequest.Builder(method, path);
        query.forEach(request::withQueryParam);
        headers.forEach(request::withHeader);
        if (contentType != null) {
            request.withContentType(contentType);
        }
        if (body != null && body.length > 0) {
            request.withBody(body);
        }
        List<String> problems = problems(validator.validateRequest(request.build()));
        // the document's one security scheme, ApiKeyAuth: every call sends Authorization: Bearer {API_KEY}
        List<String> authorization = headers.entrySet().stream().filter(h -> h.getKey().equalsIgnoreCase("Authorization"))
                .flatMap(h -> h.getValue().stream()).toList();
        if (authorization.size() != 1 || !authorization.get(0).matches("Bearer \\S+")) {
            problems.add("ERROR security.ApiKeyAuth: expected one header Authorization: Bearer {API_KEY}, got " + authorization.size());
        }
        return problems;
    }

    /** The fake's own answers are checked too, so that the tests stand on a faithful Dify. */
    List<String> checkAnswer(String method, String path, int status, String contentType, String body) {
        SimpleResponse.Builder response = SimpleResponse.Builder.status(status);
        if (contentType != null) {
            response.withContentType(contentType);
        }
        if (body != null && !body.isEmpty()) {
            response.withBody(body);
        }
        return problems(validator.validateResponse(path, Request.Method.valueOf(method), response.build()));
    }

    /** A multipart body's parts against the operation's form schema, and its {@code data} part against the settings it may hold. */
    List<String> checkForm(String specPath, List<Multipart.Part> parts, boolean update) {
        List<String> problems = new ArrayList<>();
        Schema<?> form = api.getPaths().get(specPath).getPost().getRequestBody().getContent().get("multipart/form-data").getSchema();
        ObjectNode fields = MAPPER.createObjectNode();
        for (Multipart.Part part : parts) {
            if (part.name() == null) {
                problems.add("multipart part without a name");
                continue;
            }
            if (fields.has(part.name())) {
                problems.add("multipart part '" + part.name() + "' sent twice");
            }
            if ("file".equals(part.name()) && (part.fileName() == null || part.fileName().isEmpty())) {
                problems.add("multipart part 'file' has no filename");
            }
            // a binary part stands in as a string, which is what the schema says it is
            fields.put(part.name(), "file".equals(part.name()) ? "<binary>" : part.text());
        }
        problems.addAll(problems(schemas.validate(() -> fields, form, "request.body.multipart")));
        if (fields.has("data")) {
            Object data;
            try {
                data = MAPPER.readTree(fields.get("data").asText());
            } catch (IOException e) {
                problems.add("multipart part 'data' is not JSON: " + e.getMessage());
                return problems;
            }
            if (!(data instanceof ObjectNode settings)) {
                problems.add("multipart part 'data' is not a JSON object");
                return problems;
            }
            problems.addAll(problems(schemas.validate(() -> settings, dataSchema(update), "request.body.data")));
        }
        return problems;
    }

    /** The settings {@code data} may carry: create-by-text's body less name and text (less indexing_technique on update). */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private Schema<?> dataSchema(boolean update) {
        Schema<?> text = api.getPaths().get("/datasets/{dataset_id}/document/create-by-text").getPost().getRequestBody()
                .getContent().get("application/json").getSchema();
        Map<String, Schema> properties = new LinkedHashMap<>();
        text.getProperties().forEach((name, schema) -> {
            if (!name.equals("name") && !name.equals("text") && (!update || UPDATE_FILE_DATA.contains(name))) {
                properties.put(name, schema);
            }
        });
        Schema<Object> data = new ObjectSchema();
        data.setProperties(properties);
        return data;
    }

    private static List<String> problems(ValidationReport report) {
        List<String> problems = new ArrayList<>();
        for (ValidationReport.Message message : report.getMessages()) {
            if (message.getLevel() == ValidationReport.Level.ERROR || message.getLevel() == ValidationReport.Level.WARN) {
                problems.add(message.getLevel() + " " + message.getKey() + ": " + message.getMessage()
                        + (message.getNestedMessages().isEmpty() ? "" : " " + message.getNestedMessages().stream()
                        .map(ValidationReport.Message::getMessage).toList()));
            }
        }
        return problems;
    }
}
