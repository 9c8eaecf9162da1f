package io.exporthub.sink.dify;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URLConnection;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.exporthub.api.Json;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.entity.mime.HttpMultipartMode;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dify's Knowledge API for one connector, one method per call, through the Camel {@code http}
 * component. Every request carries the connector's dataset key as a Bearer token (never logged,
 * never part of an endpoint URI) and passes the connector's {@link DifyGate}; an answer outside
 * 2xx becomes a {@link DifyException}, except Dify's rate limit, which is waited out here.
 */
public class DifyClient {

    /** Dify serves at most 100 documents a page, and says has_more wrongly when asked for more. */
    public static final int PAGE_LIMIT = 100;

    /** The registry name of {@link #httpClientConfigurer()}, which the endpoints refer to. */
    public static final String HTTP_CLIENT_CONFIGURER = "exporthubDifyHttpClient";

    private static final Logger LOG = LoggerFactory.getLogger(DifyClient.class);
    private static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern BATCH = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final int MAX_PAGES = 10_000;

    private final ProducerTemplate template;
    private final String baseUrl;
    private final String endpoint;
    private final String authorization;
    private final DifyGate gate;
    private final Duration timeout;
    private final Duration rateLimitMaxWait;

    public DifyClient(ProducerTemplate template, String apiUrl, String apiKey, int maxConcurrency, Duration timeout,
                      Duration rateLimitPause, Duration rateLimitMaxWait) {
        this.template = template;
        this.baseUrl = apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl;
        // failures are read here rather than thrown by the component, so that Dify's envelope is kept
        this.endpoint = baseUrl + "?throwExceptionOnFailure=false&followRedirects=false"
                + "&connectTimeout=" + Math.min(timeout.toMillis(), 10_000)
                + "&responseTimeout=" + timeout.toMillis() + "&soTimeout=" + timeout.toMillis()
                + "&connectionsPerRoute=" + Math.max(2, maxConcurrency) + "&httpClientConfigurer=#" + HTTP_CLIENT_CONFIGURER;
        this.authorization = "Bearer " + apiKey;
        this.gate = new DifyGate(maxConcurrency, rateLimitPause);
        this.timeout = timeout;
        this.rateLimitMaxWait = rateLimitMaxWait;
    }

    public String baseUrl() {
        return baseUrl;
    }

    /**
     * HttpClient would resend a GET after a 429 or 503 on its own, a second later: behind the
     * gate's back, and on top of the route's retries. Every retry is left to those two.
     */
    public static HttpClientConfigurer httpClientConfigurer() {
        return HttpClientBuilder::disableAutomaticRetries;
    }

    // ---- what Dify answers ----

    public record Dataset(String id, String name, String docForm, String indexingTechnique, String provider) {
        static Dataset of(JsonNode node) {
            return new Dataset(node.path("id").asText(null), node.path("name").asText(null), text(node, "doc_form"),
                    text(node, "indexing_technique"), text(node, "provider"));
        }
    }

    public record Document(String id, String name, String indexingStatus, String displayStatus, boolean enabled,
                           boolean archived, String error) {
        static Document of(JsonNode node) {
            return new Document(node.path("id").asText(null), node.path("name").asText(null), text(node, "indexing_status"),
                    text(node, "display_status"), node.path("enabled").asBoolean(true), node.path("archived").asBoolean(false),
                    text(node, "error"));
        }

        /** The status the console shows; computed as Dify does when an older server leaves it out. */
        public String status() {
            if (displayStatus != null) {
                return displayStatus;
            }
            if ("waiting".equals(indexingStatus)) {
                return "queuing";
            }
            if ("error".equals(indexingStatus)) {
                return "error";
            }
            if (!"completed".equals(indexingStatus)) {
                return "indexing";
            }
            return archived ? "archived" : enabled ? "available" : "disabled";
        }
    }

    public record DocumentPage(List<Document> documents, boolean hasMore) {
    }

    /** A created or updated document and the batch that tracks its indexing. */
    public record Written(Document document, String batch) {
    }

    public record IndexingStatus(String id, String status, String error) {
    }

    // ---- the calls ----

    /** GET /datasets/{dataset_id} */
    public Dataset getDataset(String datasetId) {
        return Dataset.of(json(send(new Call("get dataset", "GET", "datasets/" + uuid(datasetId), null, null))));
    }

    /** GET /datasets/{dataset_id}/documents: one page, filtered by Dify with {@code LIKE %keyword%}. */
    public DocumentPage listDocuments(String datasetId, String keyword, int page, int limit) {
        String query = "page=" + page + "&limit=" + Math.min(limit, PAGE_LIMIT)
                + (keyword == null ? "" : "&keyword=" + URLEncoder.encode(keyword, StandardCharsets.UTF_8));
        JsonNode answer = json(send(new Call("list documents", "GET", "datasets/" + uuid(datasetId) + "/documents", query, null)));
        List<Document> documents = new ArrayList<>();
        answer.path("data").forEach(node -> documents.add(Document.of(node)));
        return new DocumentPage(documents, answer.path("has_more").asBoolean(false));
    }

    /**
     * Every document whose name is exactly {@code name}, all pages read: Dify's keyword is a
     * substring match (and {@code _} or {@code %} in it match anything), so the match is made here.
     */
    public List<Document> documentsNamed(String datasetId, String name) {
        List<Document> named = new ArrayList<>();
        for (int page = 1; page <= MAX_PAGES; page++) {
            DocumentPage answer = listDocuments(datasetId, name, page, PAGE_LIMIT);
            answer.documents().stream().filter(d -> name.equals(d.name())).forEach(named::add);
            if (!answer.hasMore() || answer.documents().isEmpty()) {
                break;
            }
        }
        return named;
    }

    /** POST /datasets/{dataset_id}/document/create-by-text */
    public Written createByText(String datasetId, ObjectNode body) {
        return written(send(new Call("create-by-text", "POST", "datasets/" + uuid(datasetId) + "/document/create-by-text", null,
                () -> jsonEntity(body))));
    }

    /** POST /datasets/{dataset_id}/document/create-by-file: multipart {@code file} and {@code data} (JSON text). */
    public Written createByFile(String datasetId, Path file, String fileName, ObjectNode data) {
        return written(send(new Call("create-by-file", "POST", "datasets/" + uuid(datasetId) + "/document/create-by-file", null,
                () -> multipart(file, fileName, data))));
    }

    /** POST /datasets/{dataset_id}/documents/{document_id}/update-by-text */
    public Written updateByText(String datasetId, String documentId, ObjectNode body) {
        return written(send(new Call("update-by-text", "POST",
                "datasets/" + uuid(datasetId) + "/documents/" + uuid(documentId) + "/update-by-text", null, () -> jsonEntity(body))));
    }

    /** POST /datasets/{dataset_id}/documents/{document_id}/update-by-file */
    public Written updateByFile(String datasetId, String documentId, Path file, String fileName, ObjectNode data) {
        return written(send(new Call("update-by-file", "POST",
                "datasets/" + uuid(datasetId) + "/documents/" + uuid(documentId) + "/update-by-file", null,
                () -> multipart(file, fileName, data))));
    }

    /** GET /datasets/{dataset_id}/documents/{batch}/indexing-status */
    public List<IndexingStatus> indexingStatus(String datasetId, String batch) {
        if (batch == null || !BATCH.matcher(batch).matches()) {
            throw new DifyException("indexing status", 0, null, null, false, "Dify answered a batch id that cannot be polled: " + batch, null);
        }
        JsonNode answer = json(send(new Call("indexing status", "GET",
                "datasets/" + uuid(datasetId) + "/documents/" + batch + "/indexing-status", null, null)));
        List<IndexingStatus> statuses = new ArrayList<>();
        answer.path("data").forEach(node -> statuses.add(new IndexingStatus(node.path("id").asText(null),
                text(node, "indexing_status"), text(node, "error"))));
        return statuses;
    }

    /** DELETE /datasets/{dataset_id}/documents/{document_id} */
    public void deleteDocument(String datasetId, String documentId) {
        send(new Call("delete document", "DELETE", "datasets/" + uuid(datasetId) + "/documents/" + uuid(documentId), null, null));
    }

    // ---- the wire ----

    private record Call(String operation, String method, String path, String query, Supplier<HttpEntity> body) {
    }

    private record Answer(int status, String contentType, String body, Duration retryAfter) {
    }

    /**
     * Sends through the gate; a rate-limit answer pauses the connector and the same request is
     * sent again after the pause (it was refused, so nothing happened), until
     * {@code rateLimitMaxWait} has passed.
     */
    private Answer send(Call call) {
        long deadline = System.currentTimeMillis() + rateLimitMaxWait.toMillis();
        while (true) {
            DifyGate.Pass pass;
            try {
                pass = gate.enter(deadline);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw DifyException.noAnswer(call.operation(), "interrupted while waiting to call Dify", e);
            }
            if (pass == null) {
                throw new DifyException(call.operation(), 429, null, null, false, call.operation()
                        + ": Dify kept refusing requests with its rate limit for " + rateLimitMaxWait.toMinutes()
                        + " min; rerun the task later or raise the plan's limit", null);
            }
            Answer answer;
            try {
                answer = exchange(call);
            } catch (RuntimeException e) {
                pass.noAnswer();
                throw e;
            }
            if (DifyException.isRateLimit(answer.status(), DifyException.envelope(answer.contentType(), answer.body()))) {
                pass.rateLimited(answer.retryAfter());
                LOG.warn("Dify at {} refused {} with its rate limit ({}); requests to it pause for at least {} s",
                        baseUrl, call.operation(), answer.status(), gate.pause().toSeconds());
                continue;
            }
            pass.answered();
            if (answer.status() >= 200 && answer.status() < 300) {
                return answer;
            }
            throw DifyException.answered(call.operation(), answer.status(), answer.contentType(), answer.body());
        }
    }

    private Answer exchange(Call call) {
        Exchange result = template.send(endpoint, exchange -> {
            Message message = exchange.getMessage();
            // only this call's control headers may steer the component
            message.removeHeaders("CamelHttp*");
            message.setHeader(Exchange.HTTP_METHOD, call.method());
            message.setHeader(Exchange.HTTP_PATH, call.path());
            if (call.query() != null) {
                message.setHeader(Exchange.HTTP_RAW_QUERY, call.query());
            }
            message.setHeader("Authorization", authorization);
            message.setHeader("Accept", "application/json");
            message.setBody(call.body() == null ? null : call.body().get());
        });
        Exception failure = result.getException();
        if (failure != null) {
            throw failed(call.operation(), failure);
        }
        Message out = result.getMessage();
        byte[] bytes = out.getBody(byte[].class);
        return new Answer(out.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class), out.getHeader(Exchange.CONTENT_TYPE, String.class),
                bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8), retryAfter(out.getHeader("Retry-After", String.class)));
    }

    private DifyException failed(String operation, Exception failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return DifyException.noAnswer(operation, "no answer from Dify at " + baseUrl + " within " + timeout.toSeconds() + " s", failure);
            }
            if (t instanceof ConnectException) {
                return DifyException.noAnswer(operation, "cannot connect to Dify at " + baseUrl + ": " + t.getMessage(), failure);
            }
            if (t instanceof IOException) {
                return DifyException.noAnswer(operation, "no answer from Dify at " + baseUrl + ": "
                        + t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage()), failure);
            }
        }
        return new DifyException(operation, 0, null, null, false, operation + " could not be sent: " + failure, failure);
    }

    private static Duration retryAfter(String header) {
        if (header == null || !header.trim().matches("\\d{1,6}")) {
            return null;
        }
        return Duration.ofSeconds(Long.parseLong(header.trim()));
    }

    private static HttpEntity jsonEntity(ObjectNode body) {
        return new StringEntity(Json.write(body), ContentType.APPLICATION_JSON);
    }

    /** The file streams from disk; {@code data} is the JSON text part Dify reads its settings from. */
    private static HttpEntity multipart(Path file, String fileName, ObjectNode data) {
        String type = null;
        try {
            type = Files.probeContentType(file);
        } catch (IOException ignored) {
            // the name tells the rest
        }
        if (type == null) {
            type = URLConnection.guessContentTypeFromName(fileName);
        }
        return MultipartEntityBuilder.create()
                // browsers' form encoding: UTF-8 names as they are, which is what Dify's server reads
                .setMode(HttpMultipartMode.LEGACY)
                .setCharset(StandardCharsets.UTF_8)
                .addBinaryBody("file", file.toFile(), ContentType.parse(type == null ? "application/octet-stream" : type), fileName)
                .addTextBody("data", Json.write(data), ContentType.APPLICATION_JSON)
                .build();
    }

    private static JsonNode json(Answer answer) {
        JsonNode node = DifyException.envelope(answer.contentType() == null ? "application/json" : answer.contentType(), answer.body());
        if (node == null) {
            throw new DifyException("read answer", answer.status(), null, null, true,
                    "Dify answered " + answer.status() + " with something that is not a JSON object", null);
        }
        return node;
    }

    private static Written written(Answer answer) {
        JsonNode node = json(answer);
        Document document = Document.of(node.path("document"));
        if (document.id() == null) {
            throw new DifyException("read answer", answer.status(), null, null, false, "Dify answered without a document id", null);
        }
        return new Written(document, text(node, "batch"));
    }

    private static String uuid(String id) {
        if (id == null || !UUID.matcher(id).matches()) {
            throw new DifyException("build request", 0, null, null, false, "'" + id + "' is not a Dify id (a UUID)", null);
        }
        return id;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isTextual() && !value.asText().isEmpty() ? value.asText() : null;
    }
}
