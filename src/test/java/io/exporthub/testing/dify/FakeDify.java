package io.exporthub.testing.dify;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Dify's Knowledge API in memory, behaving as Dify's documents and code describe: datasets and
 * documents, a create of an existing name updating that document (Dify's own dedup), names cut
 * at 200 characters, keyword search as SQL LIKE, pages capped at 100 with Dify's has_more,
 * indexing that advances through its statuses, updates refused while a document is not at rest,
 * and errors as {@code {code, message, status}}.
 * <p>
 * Every request is checked against Dify's OpenAPI document ({@link DifySpec}); what does not
 * conform is collected in {@link #violations()}, which tests assert empty. It can be told to
 * fail (5xx, HTML from a proxy, stalls, 429, Dify Cloud's rate-limit 403, invalid_param) and
 * counts what it was sent.
 */
public final class FakeDify implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String ID = "[0-9a-fA-F-]{36}";
    private static final Set<String> DOCUMENT_TYPES = Set.of("txt", "markdown", "md", "mdx", "pdf", "html", "htm", "xlsx", "xls",
            "docx", "csv", "vtt", "properties", "doc", "eml", "msg", "pptx", "ppt", "xml", "epub");
    private static final Set<String> DOC_FORMS = Set.of("text_model", "hierarchical_model", "qa_model");
    private static final String[] STAGES = {"waiting", "parsing", "cleaning", "splitting", "indexing"};
    private static final String ACCOUNT = "ad313dd6-ef04-4dd1-a5b0-c0f0b9e2e7e4";

    private final String apiKey;
    private final DifySpec spec = new DifySpec();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "fake-dify");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Dataset> datasets = new ConcurrentHashMap<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<Pending> faults = new ArrayList<>();
    private final Map<String, String> indexingErrors = new ConcurrentHashMap<>();
    private final AtomicInteger holding = new AtomicInteger();
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicInteger peakBusy = new AtomicInteger();
    private final List<Route> routes = List.of(
            new Route("getDatasetDetail", "GET", "/v1/datasets/(" + ID + ")", false, this::getDataset),
            new Route("listDocuments", "GET", "/v1/datasets/(" + ID + ")/documents", false, this::listDocuments),
            new Route("createDocumentFromText", "POST", "/v1/datasets/(" + ID + ")/document/create-by-text", false, this::createByText),
            new Route("createDocumentFromFile", "POST", "/v1/datasets/(" + ID + ")/document/create-by-file", true, this::createByFile),
            new Route("updateDocumentByText", "POST", "/v1/datasets/(" + ID + ")/documents/(" + ID + ")/update-by-text", false,
                    this::updateByText),
            new Route("updateDocumentByFile", "POST", "/v1/datasets/(" + ID + ")/documents/(" + ID + ")/update-by-file", true,
                    this::updateByFile),
            new Route("getDocumentIndexingStatus", "GET", "/v1/datasets/(" + ID + ")/documents/([^/]+)/indexing-status", false,
                    this::indexingStatus),
            new Route("deleteDocument", "DELETE", "/v1/datasets/(" + ID + ")/documents/(" + ID + ")", false, this::deleteDocument));

    private HttpServer server;
    private volatile CountDownLatch held = new CountDownLatch(1);
    private volatile Duration indexingTime = Duration.ZERO;
    private volatile long uploadLimit = 15L * 1024 * 1024;
    private volatile RateLimit rateLimit;
    private volatile Duration latency = Duration.ZERO;

    public FakeDify(String apiKey) {
        this.apiKey = apiKey;
    }

    public FakeDify start() throws IOException {
        return start(0);
    }

    /** Serves on this port of 127.0.0.1 (0: any free one). */
    public FakeDify start(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
        return this;
    }

    /** The base URL a connector's {@code api_url} takes, like https://api.dify.ai/v1. */
    public String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public String apiKey() {
        return apiKey;
    }

    @Override
    public void close() {
        release();
        if (server != null) {
            server.stop(0);
        }
        threads.shutdownNow();
    }

    // ---- the test's side: data ----

    /** A new, empty dataset, as the console makes it (no indexing technique and no doc form until the first document). */
    public Dataset createDataset(String name) {
        return createDataset(name, null);
    }

    /** A dataset whose documents must be of {@code docForm}, as one whose first document set it. */
    public Dataset createDataset(String name, String docForm) {
        Dataset dataset = new Dataset(UUID.randomUUID().toString(), name);
        dataset.docForm = docForm;
        if (docForm != null) {
            dataset.indexingTechnique = "high_quality";
            dataset.hasProcessRule = true;
        }
        datasets.put(dataset.id, dataset);
        return dataset;
    }

    public Dataset dataset(String id) {
        return datasets.get(id);
    }

    /** Indexing takes this long from a write to "completed" (zero: done at once, though an answer to a write says waiting). */
    public void indexingTime(Duration time) {
        indexingTime = time;
    }

    /** Every answer leaves this long after its request was read, as from a server farther away (zero by default). */
    public void latency(Duration time) {
        latency = time;
    }

    /** Indexing of a document of this name ends in error with this message. */
    public void failIndexing(String documentName, String error) {
        indexingErrors.put(documentName, error);
    }

    /** UPLOAD_FILE_SIZE_LIMIT: larger files are refused. */
    public void uploadLimit(long bytes) {
        uploadLimit = bytes;
    }

    // ---- the test's side: faults ----

    /** What a failing request gets, and whether Dify did the work before it failed. */
    public record Fault(int status, String contentType, String body, boolean applied, Duration hold) {

        public static Fault error(int status, String code, String message) {
            ObjectNode envelope = MAPPER.createObjectNode().put("code", code).put("message", message).put("status", status);
            return new Fault(status, "application/json", envelope.toString(), false, null);
        }

        public static Fault serverError() {
            return error(500, "internal_server_error", "The server encountered an internal error and was unable to complete your request. "
                    + "Either the server is overloaded or there is an error in the application.");
        }

        /** What nginx in front of Dify answers for an upload beyond client_max_body_size. */
        public static Fault proxyTooLarge() {
            return new Fault(413, "text/html", "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
                    + "<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
                    false, null);
        }

        public static Fault badGateway() {
            return new Fault(502, "text/html", "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
                    + "</h1></center><hr><center>nginx</center></body></html>", false, null);
        }

        public static Fault tooManyRequests() {
            return error(429, "too_many_requests", "Too many requests. Please try again later.");
        }

        /** Dify Cloud's answer to a plan's knowledge base request rate limit. */
        public static Fault cloudRateLimit() {
            return error(403, "forbidden", "Sorry, you have reached the knowledge base request rate limit of your subscription.");
        }

        /** No answer for this long, then the normal one (a client with a shorter timeout gives up first). */
        public static Fault stall(Duration hold) {
            return new Fault(0, null, null, false, hold);
        }

        /** Dify does the work, then this is answered instead (a crash or a gateway error after the commit). */
        public Fault afterApplying() {
            return new Fault(status, contentType, body, true, hold);
        }

        /** Held for this long (or until {@link #release()}) before it is answered. */
        public Fault heldFor(Duration time) {
            return new Fault(status, contentType, body, applied, time);
        }
    }

    /** The next {@code times} requests of {@code operationId} (an operationId of the OpenAPI document; null: any) get the fault. */
    public void fail(String operationId, int times, Fault fault) {
        synchronized (faults) {
            faults.add(new Pending(operationId, new AtomicInteger(times), fault, Long.MAX_VALUE));
        }
    }

    private record Pending(String operationId, AtomicInteger remaining, Fault fault, long until) {
    }

    /** From now on, for {@code window}, every request of {@code operationId} (null: any) gets the fault. */
    public void failFor(String operationId, Duration window, Fault fault) {
        synchronized (faults) {
            faults.add(new Pending(operationId, new AtomicInteger(Integer.MAX_VALUE), fault, System.currentTimeMillis() + window.toMillis()));
        }
    }

    /** No more injected faults (rate-limit windows and indexing errors included); held answers stay held until {@link #release()}. */
    public void clearFaults() {
        synchronized (faults) {
            faults.clear();
        }
        rateLimit = null;
        indexingErrors.clear();
    }

    /** From now on, for {@code window}, every request is refused with {@code answer}, as a rate limiter does. */
    public void rateLimit(Duration window, Fault answer) {
        long now = System.currentTimeMillis();
        rateLimit = new RateLimit(now, now + window.toMillis(), answer, new AtomicInteger());
    }

    private record RateLimit(long from, long until, Fault answer, AtomicInteger refused) {
    }

    /** Requests that arrived while the last rate-limit window was open. */
    public List<Call> callsDuringRateLimit() {
        RateLimit window = rateLimit;
        return window == null ? List.of() : calls.stream().filter(c -> c.at() >= window.from() && c.at() < window.until()).toList();
    }

    /** Lets every held answer go. */
    public void release() {
        CountDownLatch old = held;
        held = new CountDownLatch(1);
        old.countDown();
    }

    // ---- the test's side: observations ----

    /** One request as the fake saw it, and the status it answered. */
    public record Call(String operationId, String method, String path, String query, int status, long at) {
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    /** Answers being held back right now. */
    public int held() {
        return holding.get();
    }

    /** Requests being worked on right now (held ones included). */
    public int busy() {
        return busy.get();
    }

    /** The most requests it was ever working on at once. */
    public int peakBusy() {
        return peakBusy.get();
    }

    public long count(String operationId) {
        return calls.stream().filter(c -> operationId.equals(c.operationId())).count();
    }

    public void resetCounts() {
        calls.clear();
    }

    /** Every way a request strayed from Dify's OpenAPI document (or the fake failed): tests assert none. */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    // ---- the model ----

    public static final class Dataset {
        public final String id;
        public final String name;
        final List<Document> documents = new CopyOnWriteArrayList<>();
        final long createdAt = System.currentTimeMillis() / 1000;
        volatile String docForm;
        volatile String indexingTechnique;
        volatile String embeddingModel;
        volatile String embeddingModelProvider;
        volatile boolean hasProcessRule;

        Dataset(String id, String name) {
            this.id = id;
            this.name = name;
        }

        public List<Document> documents() {
            return List.copyOf(documents);
        }

        public String docForm() {
            return docForm;
        }

        public String indexingTechnique() {
            return indexingTechnique;
        }

        /** A document put there by someone else, e.g. a second one of a name (Dify's dedup skips disabled documents). */
        public Document seed(String documentName, String text, boolean enabled) {
            Document document = new Document(this, documentName);
            document.text = text;
            document.enabled = enabled;
            document.docForm = docForm == null ? "text_model" : docForm;
            documents.add(document);
            return document;
        }
    }

    public static final class Document {
        public final String id = UUID.randomUUID().toString();
        final Dataset dataset;
        final int position;
        final long createdAt = System.currentTimeMillis();
        final AtomicInteger writes = new AtomicInteger();
        volatile String name;
        volatile String text;
        volatile byte[] bytes;
        volatile String fileName;
        volatile String mimeType = "text/plain";
        volatile String docForm = "text_model";
        volatile String docLanguage = "English";
        volatile boolean enabled = true;
        volatile boolean archived;
        volatile String batch = batchId();
        volatile long indexingStartedAt;
        volatile long indexingMillis;
        volatile String indexingError;
        volatile JsonNode settings = MAPPER.createObjectNode();
        volatile String uploadFileId = UUID.randomUUID().toString();

        Document(Dataset dataset, String name) {
            this.dataset = dataset;
            this.name = name;
            this.position = dataset.documents.size() + 1;
        }

        public String id() {
            return id;
        }

        public String name() {
            return name;
        }

        /** The text of a document made from text; null for one made from a file. */
        public String text() {
            return text;
        }

        /** The bytes of a document made from a file; null for one made from text. */
        public byte[] bytes() {
            return bytes;
        }

        public String fileName() {
            return fileName;
        }

        public String docForm() {
            return docForm;
        }

        /** How often it was created or updated. */
        public int writes() {
            return writes.get();
        }

        /** The settings of its last write: indexing_technique, doc_form, process_rule, embedding_model... */
        public JsonNode settings() {
            return settings;
        }

        public String indexingStatus() {
            if (indexingStartedAt == 0) {
                return "completed";
            }
            long elapsed = System.currentTimeMillis() - indexingStartedAt;
            if (elapsed >= indexingMillis) {
                return indexingError != null ? "error" : "completed";
            }
            return STAGES[(int) Math.min(STAGES.length - 1, elapsed * STAGES.length / Math.max(1, indexingMillis))];
        }

        /** As Dify computes it for the console and for its update checks. */
        public String displayStatus() {
            String status = indexingStatus();
            return switch (status) {
                case "waiting" -> "queuing";
                case "error" -> "error";
                case "completed" -> archived ? "archived" : enabled ? "available" : "disabled";
                default -> "indexing";
            };
        }

        public void disable() {
            enabled = false;
        }

        /** As if its last indexing had ended with this error. */
        public void indexingFailed(String error) {
            indexingError = error;
            indexingStartedAt = System.currentTimeMillis() - 1;
            indexingMillis = 0;
        }
    }

    // ---- the server ----

    private record Route(String operationId, String method, String pattern, boolean multipart, Handler handler) {
        Matcher match(String requestMethod, String path) {
            Matcher matcher = Pattern.compile(pattern).matcher(path);
            return method.equals(requestMethod) && matcher.matches() ? matcher : null;
        }
    }

    private interface Handler {
        Answer handle(Request request) throws IOException;
    }

    private record Request(Matcher path, Map<String, List<String>> query, byte[] body, String contentType, List<Multipart.Part> parts) {
        String group(int i) {
            return path.group(i);
        }

        String query(String name) {
            List<String> values = query.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    private record Answer(int status, String contentType, String body) {
        static Answer json(int status, JsonNode body) {
            return new Answer(status, "application/json", body.toString());
        }
    }

    private static Answer error(int status, String code, String message) {
        Fault fault = Fault.error(status, code, message);
        return new Answer(fault.status, fault.contentType, fault.body);
    }

    private void handle(HttpExchange http) {
        String method = http.getRequestMethod();
        String path = http.getRequestURI().getPath();
        String rawQuery = http.getRequestURI().getRawQuery();
        String where = method + " " + path + (rawQuery == null ? "" : "?" + rawQuery);
        peakBusy.accumulateAndGet(busy.incrementAndGet(), Math::max);
        try (http) {
            byte[] body = http.getRequestBody().readAllBytes();
            String contentType = http.getRequestHeaders().getFirst("Content-Type");
            Map<String, List<String>> query = query(rawQuery);
            Map<String, List<String>> headers = new LinkedHashMap<>();
            http.getRequestHeaders().forEach(headers::put);

            for (String problem : spec.check(method, path, query, headers, contentType, body)) {
                violations.add(where + ": " + problem);
            }
            Route route = null;
            Matcher matcher = null;
            for (Route candidate : routes) {
                matcher = candidate.match(method, path);
                if (matcher != null) {
                    route = candidate;
                    break;
                }
            }
            Answer answer;
            String operationId = route == null ? null : route.operationId();
            Fault fault = null;
            if (route == null) {
                violations.add(where + ": the fake serves no such operation");
                answer = error(404, "not_found", "The requested URL was not found on the server.");
            } else if (!("Bearer " + apiKey).equals(http.getRequestHeaders().getFirst("Authorization"))) {
                answer = error(401, "unauthorized", "Access token is invalid");
            } else {
                List<Multipart.Part> parts = List.of();
                if (route.multipart()) {
                    try {
                        parts = Multipart.parse(body, contentType);
                        String specPath = route.pattern().replace("/v1", "").replace("(" + ID + ")/documents/(" + ID + ")",
                                "{dataset_id}/documents/{document_id}").replace("(" + ID + ")", "{dataset_id}");
                        for (String problem : spec.checkForm(specPath, parts, route.operationId().startsWith("update"))) {
                            violations.add(where + ": " + problem);
                        }
                    } catch (Multipart.MalformedException e) {
                        violations.add(where + ": " + e.getMessage());
                    }
                }
                Request request = new Request(matcher, query, body, contentType, parts);
                fault = faultFor(operationId);
                if (fault == null) {
                    answer = route.handler().handle(request);
                } else {
                    if (fault.applied() || fault.status() == 0) {
                        if (fault.hold() != null && fault.status() == 0 && !fault.applied()) {
                            hold(fault.hold());
                        }
                        answer = route.handler().handle(request);
                    } else {
                        answer = null;
                    }
                    if (fault.hold() != null && (fault.status() != 0 || fault.applied())) {
                        hold(fault.hold());
                    }
                    if (fault.status() != 0) {
                        answer = new Answer(fault.status(), fault.contentType(), fault.body());
                    }
                }
                // the fake's own answers must be what the document promises (injected faults are what a failure looks like)
                if (fault == null) {
                    for (String problem : spec.checkAnswer(method, path, answer.status(), answer.contentType(), answer.body())) {
                        violations.add(where + ": the fake's answer " + answer.status() + ": " + problem);
                    }
                }
            }
            calls.add(new Call(operationId, method, path, rawQuery, answer.status(), System.currentTimeMillis()));
            delay();
            send(http, answer);
        } catch (IOException e) {
            // the client gave up on a held answer
        } catch (RuntimeException e) {
            violations.add(where + ": the fake failed: " + e);
        } finally {
            busy.decrementAndGet();
        }
    }

    private Fault faultFor(String operationId) {
        RateLimit window = rateLimit;
        long now = System.currentTimeMillis();
        if (window != null && now >= window.from() && now < window.until()) {
            window.refused().incrementAndGet();
            return window.answer();
        }
        synchronized (faults) {
            for (Pending candidate : faults) {
                if ((candidate.operationId() == null || candidate.operationId().equals(operationId)) && now < candidate.until()
                        && candidate.remaining().getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    return candidate.fault();
                }
            }
        }
        return null;
    }

    private void hold(Duration time) {
        holding.incrementAndGet();
        try {
            held.await(time.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            holding.decrementAndGet();
        }
    }

    private void delay() {
        long millis = latency.toMillis();
        if (millis <= 0) {
            return;
        }
        try {
            // a simulated server delay, not a wait for anything
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange http, Answer answer) throws IOException {
        if (answer.body() == null || answer.body().isEmpty()) {
            http.sendResponseHeaders(answer.status(), -1);
            return;
        }
        byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
        http.getResponseHeaders().set("Content-Type", answer.contentType());
        http.sendResponseHeaders(answer.status(), bytes.length);
        try (OutputStream out = http.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, List<String>> query(String rawQuery) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            query.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return query;
    }

    // ---- the operations ----

    private Answer getDataset(Request request) {
        Dataset dataset = datasets.get(request.group(1));
        if (dataset == null) {
            return error(404, "not_found", "Dataset not found.");
        }
        ObjectNode node = MAPPER.createObjectNode()
                .put("id", dataset.id).put("name", dataset.name).put("description", "").put("provider", "vendor")
                .put("permission", "only_me").put("data_source_type", "upload_file");
        putIfSet(node, "indexing_technique", dataset.indexingTechnique);
        node.put("app_count", 0).put("document_count", dataset.documents.size())
                .put("word_count", dataset.documents.stream().mapToInt(d -> d.text == null ? 0 : d.text.length()).sum())
                .put("created_by", ACCOUNT).put("created_at", dataset.createdAt).put("updated_by", ACCOUNT).put("updated_at", dataset.createdAt);
        putIfSet(node, "embedding_model", dataset.embeddingModel);
        putIfSet(node, "embedding_model_provider", dataset.embeddingModelProvider);
        node.put("embedding_available", true);
        node.putArray("tags");
        putIfSet(node, "doc_form", dataset.docForm);
        node.putArray("doc_metadata");
        node.put("built_in_field_enabled", false).put("enable_api", true);
        return Answer.json(200, node);
    }

    private Answer listDocuments(Request request) {
        Dataset dataset = datasets.get(request.group(1));
        if (dataset == null) {
            return error(404, "not_found", "Dataset not found.");
        }
        int page = intOr(request.query("page"), 1);
        int limit = intOr(request.query("limit"), 20);
        String keyword = request.query("keyword");
        // Dify filters with SQL LIKE '%keyword%': '_' and '%' in the keyword match any character(s)
        Pattern like = keyword == null || keyword.isEmpty() ? null : Pattern.compile(likePattern(keyword), Pattern.DOTALL);
        List<Document> matching = dataset.documents.stream()
                .filter(d -> like == null || like.matcher(d.name).matches())
                .sorted(Comparator.comparingLong((Document d) -> d.createdAt).thenComparingInt(d -> d.position).reversed())
                .toList();
        int perPage = Math.max(1, Math.min(limit, 100));
        int from = Math.min(matching.size(), (Math.max(1, page) - 1) * perPage);
        List<Document> items = matching.subList(from, Math.min(matching.size(), from + perPage));
        ObjectNode node = MAPPER.createObjectNode();
        ArrayNode data = node.putArray("data");
        items.forEach(d -> data.add(documentJson(d, null)));
        // Dify's has_more compares with the limit asked for, not the 100 it caps pages at
        node.put("has_more", items.size() == limit).put("limit", limit).put("total", matching.size()).put("page", page);
        return Answer.json(200, node);
    }

    private Answer createByText(Request request) throws IOException {
        Dataset dataset = datasets.get(request.group(1));
        if (dataset == null) {
            return error(404, "not_found", "Dataset not found.");
        }
        JsonNode body = jsonBody(request);
        if (body == null) {
            return error(400, "bad_request", "The browser (or proxy) sent a request that this server could not understand.");
        }
        if (!body.path("name").isTextual() || !body.path("text").isTextual()) {
            return error(400, "invalid_param", "Both 'text' and 'name' must be non-null values.");
        }
        Answer refused = checkSettings(dataset, body, true);
        if (refused != null) {
            return refused;
        }
        String name = body.get("name").asText();
        String stored = name.length() > 200 ? name.substring(0, 200) : name;
        Document document = documentFor(dataset, stored);
        document.text = body.get("text").asText();
        document.bytes = null;
        document.fileName = stored;
        document.mimeType = "text/plain";
        return written(dataset, document, body);
    }

    private Answer createByFile(Request request) throws IOException {
        Dataset dataset = datasets.get(request.group(1));
        if (dataset == null) {
            return error(404, "not_found", "Dataset not found.");
        }
        List<Multipart.Part> files = request.parts().stream().filter(p -> p.fileName() != null).toList();
        Multipart.Part file = request.parts().stream().filter(p -> "file".equals(p.name())).findFirst().orElse(null);
        if (file == null) {
            return error(400, "no_file_uploaded", "Please upload your file.");
        }
        if (files.size() > 1) {
            return error(400, "too_many_files", "Only one file is allowed.");
        }
        if (file.fileName() == null || file.fileName().isEmpty()) {
            return error(400, "filename_not_exists_error", "The specified filename does not exist.");
        }
        ObjectNode data = dataPart(request);
        if (data == null) {
            return error(500, "internal_server_error", "The server encountered an internal error and was unable to complete your request.");
        }
        Answer refused = checkSettings(dataset, data, true);
        if (refused != null) {
            return refused;
        }
        String extension = extension(file.fileName());
        if (!DOCUMENT_TYPES.contains(extension) || file.content().length > uploadLimit) {
            // create-by-file lets the upload's own error through as a bare ValueError: no message
            return error(400, "invalid_param", "");
        }
        Document document = documentFor(dataset, storedFileName(file.fileName()));
        storeFile(document, file);
        return written(dataset, document, data);
    }

    private Answer updateByText(Request request) throws IOException {
        Dataset dataset = datasets.get(request.group(1));
        if (dataset == null) {
            return error(404, "not_found", "Dataset not found.");
        }
        Document document = find(dataset, request.group(2));
        if (document == null) {
            return error(404, "not_found", "Document not found.");
        }
        JsonNode body = jsonBody(request);
        if (body == null) {
            return error(400, "bad_request", "The browser (or proxy) sent a request that this server could not understand.");
        }
        if (body.path("text").isTextual() && !body.path("name").isTextual()) {
            return error(400, "invalid_param", "Both text and name must be strings.");
        }
        Answer refused = checkSettings(dataset, body, false);
        if (refused != null) {
            return refused;
        }
        if (!"available".equals(document.displayStatus())) {
            return error(400, "invalid_param", "Document is not available");
        }
        if (body.path("name").isTextual()) {
            String name = body.get("name").asText();
            document.name = name.length() > 200 ? name.substring(0, 200) : name;
        }
        if (body.path("text").isTextual()) {
            document.text = body.get("text").asText();
            document.bytes = null;
            document.fileName = document.name;
            document.mimeType = "text/plain";
        }
        return written(dataset, document, body);
    }

    private Answer updateByFile(Request request) throws IOException {
        Dataset dataset = datasets.get(request.group(1));
        if (dataset == null) {
            return error(404, "not_found", "Dataset not found.");
        }
        Document document = find(dataset, request.group(2));
        if (document == null) {
            return error(404, "not_found", "Document not found.");
        }
        ObjectNode data = dataPart(request);
        if (data == null) {
            return error(500, "internal_server_error", "The server encountered an internal error and was unable to complete your request.");
        }
        Answer refused = checkSettings(dataset, data, false);
        if (refused != null) {
            return refused;
        }
        Multipart.Part file = request.parts().stream().filter(p -> "file".equals(p.name())).findFirst().orElse(null);
        if (file != null) {
            if (file.fileName() == null || file.fileName().isEmpty()) {
                return error(400, "filename_not_exists_error", "The specified filename does not exist.");
            }
            if (file.content().length > uploadLimit) {
                return error(413, "file_too_large", "File size exceeded. " + file.content().length + " > " + uploadLimit);
            }
            if (!DOCUMENT_TYPES.contains(extension(file.fileName()))) {
                return error(415, "unsupported_file_type", "File type not allowed.");
            }
        }
        if (!"available".equals(document.displayStatus())) {
            return error(400, "invalid_param", "Document is not available");
        }
        if (file != null) {
            document.name = storedFileName(file.fileName());
            storeFile(document, file);
        }
        return written(dataset, document, data);
    }

    private Answer indexingStatus(Request request) {
        Dataset dataset = datasets.get(request.group(1));
        if (dataset == null) {
            return error(404, "not_found", "Dataset not found.");
        }
        String batch = request.group(2);
        List<Document> documents = dataset.documents.stream().filter(d -> batch.equals(d.batch)).toList();
        if (documents.isEmpty()) {
            return error(404, "not_found", "Documents not found.");
        }
        ObjectNode node = MAPPER.createObjectNode();
        ArrayNode data = node.putArray("data");
        for (Document document : documents) {
            String status = document.indexingStatus();
            boolean done = status.equals("completed") || status.equals("error");
            ObjectNode entry = data.addObject().put("id", document.id).put("indexing_status", status)
                    .put("processing_started_at", document.indexingStartedAt / 1000.0);
            for (String field : List.of("parsing_completed_at", "cleaning_completed_at", "splitting_completed_at", "completed_at")) {
                if (done) {
                    entry.put(field, (document.indexingStartedAt + document.indexingMillis) / 1000.0);
                } else {
                    entry.putNull(field);
                }
            }
            entry.putNull("paused_at");
            if ("error".equals(status)) {
                entry.put("error", document.indexingError);
            } else {
                entry.putNull("error");
            }
            entry.putNull("stopped_at");
            int segments = document.text == null ? 1 : Math.max(1, document.text.length() / 500);
            entry.put("completed_segments", "completed".equals(status) ? segments : 0).put("total_segments", segments);
        }
        return Answer.json(200, node);
    }

    private Answer deleteDocument(Request request) {
        Dataset dataset = datasets.get(request.group(1));
        if (dataset == null) {
            return error(404, "not_found", "Dataset not found.");
        }
        Document document = find(dataset, request.group(2));
        if (document == null) {
            return error(404, "not_found", "Document Not Exists.");
        }
        if (document.archived) {
            return error(403, "archived_document_immutable", "The archived document is not editable.");
        }
        if ("indexing".equals(document.displayStatus())) {
            return error(400, "document_indexing", "Cannot delete document during indexing.");
        }
        dataset.documents.remove(document);
        return new Answer(204, null, null);
    }

    // ---- Dify's rules ----

    /** What Dify checks of a write's settings; null when they pass. On a dataset's first document they become the dataset's. */
    private Answer checkSettings(Dataset dataset, JsonNode settings, boolean create) {
        String technique = settings.path("indexing_technique").asText(null);
        if (create && dataset.indexingTechnique == null && technique == null) {
            return error(400, "invalid_param", "indexing_technique is required.");
        }
        String docForm = settings.path("doc_form").asText("text_model");
        if (!DOC_FORMS.contains(docForm)) {
            return error(400, "invalid_param", "Invalid doc_form.");
        }
        if (dataset.docForm != null && !dataset.docForm.equals(docForm)) {
            return error(400, "invalid_param", "doc_form is different from the dataset doc_form.");
        }
        if (create && !dataset.hasProcessRule && !settings.has("process_rule")) {
            return error(400, "invalid_param", "process_rule is required.");
        }
        if (create && dataset.indexingTechnique == null) {
            dataset.indexingTechnique = technique;
            if ("high_quality".equals(technique)) {
                dataset.embeddingModel = settings.path("embedding_model").asText("text-embedding-3-small");
                dataset.embeddingModelProvider = settings.path("embedding_model_provider").asText("langgenius/openai/openai");
            }
        }
        if (dataset.docForm == null) {
            dataset.docForm = docForm;
        }
        dataset.hasProcessRule |= settings.has("process_rule");
        return null;
    }

    /** Dify's dedup: a create whose name an enabled document already has updates that document. */
    private Document documentFor(Dataset dataset, String storedName) {
        synchronized (dataset) {
            for (Document document : dataset.documents) {
                if (document.enabled && document.name.equals(storedName)) {
                    return document;
                }
            }
            Document document = new Document(dataset, storedName);
            dataset.documents.add(document);
            return document;
        }
    }

    private Answer written(Dataset dataset, Document document, JsonNode settings) {
        document.docForm = settings.path("doc_form").asText(dataset.docForm == null ? "text_model" : dataset.docForm);
        document.docLanguage = settings.path("doc_language").asText("English");
        document.settings = settings.deepCopy();
        if (document.settings instanceof ObjectNode object) {
            object.remove("text");
        }
        document.batch = batchId();
        document.indexingStartedAt = System.currentTimeMillis();
        document.indexingMillis = indexingTime.toMillis();
        document.indexingError = indexingErrors.get(document.name);
        document.writes.incrementAndGet();
        ObjectNode node = MAPPER.createObjectNode();
        // an answer to a write always says waiting: indexing runs afterwards
        node.set("document", documentJson(document, "waiting"));
        node.put("batch", document.batch);
        return Answer.json(200, node);
    }

    private static void storeFile(Document document, Multipart.Part file) {
        document.bytes = file.content();
        document.text = null;
        document.fileName = file.fileName();
        document.mimeType = file.contentType() == null ? "application/octet-stream" : file.contentType();
        document.uploadFileId = UUID.randomUUID().toString();
    }

    private static ObjectNode documentJson(Document document, String status) {
        String indexing = status != null ? status : document.indexingStatus();
        String display = status != null ? "queuing" : document.displayStatus();
        ObjectNode node = MAPPER.createObjectNode().put("id", document.id).put("position", document.position)
                .put("data_source_type", "upload_file");
        node.putObject("data_source_info").put("upload_file_id", document.uploadFileId);
        long size = document.bytes != null ? document.bytes.length : document.text == null ? 0
                : document.text.getBytes(StandardCharsets.UTF_8).length;
        node.putObject("data_source_detail_dict").putObject("upload_file").put("id", document.uploadFileId)
                .put("name", document.fileName == null ? document.name : document.fileName).put("size", size)
                .put("extension", document.bytes != null ? extension(document.fileName) : "txt").put("mime_type", document.mimeType)
                .put("created_by", ACCOUNT).put("created_at", document.createdAt / 1000);
        node.put("dataset_process_rule_id", document.dataset.id).put("name", document.name).put("created_from", "api")
                .put("created_by", ACCOUNT).put("created_at", document.createdAt / 1000).put("tokens", 0)
                .put("indexing_status", indexing);
        if ("error".equals(indexing)) {
            node.put("error", document.indexingError);
        } else {
            node.putNull("error");
        }
        node.put("enabled", document.enabled);
        node.putNull("disabled_at");
        node.putNull("disabled_by");
        node.put("archived", document.archived).put("display_status", display)
                .put("word_count", document.text == null ? 0 : document.text.length()).put("hit_count", 0)
                .put("doc_form", document.docForm);
        node.putArray("doc_metadata");
        node.putNull("summary_index_status");
        node.put("need_summary", false);
        return node;
    }

    private static Document find(Dataset dataset, String documentId) {
        return dataset.documents.stream().filter(d -> d.id.equals(documentId)).findFirst().orElse(null);
    }

    private JsonNode jsonBody(Request request) {
        try {
            JsonNode node = MAPPER.readTree(request.body());
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static ObjectNode dataPart(Request request) {
        Multipart.Part data = request.parts().stream().filter(p -> "data".equals(p.name())).findFirst().orElse(null);
        if (data == null) {
            return MAPPER.createObjectNode();
        }
        try {
            return MAPPER.readTree(data.content()) instanceof ObjectNode object ? object : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Dify keeps long file names as their first 200 characters before the first dot, plus the extension. */
    private static String storedFileName(String fileName) {
        if (fileName.length() <= 200) {
            return fileName;
        }
        String base = fileName.split("\\.", -1)[0];
        return base.substring(0, Math.min(200, base.length())) + "." + extension(fileName);
    }

    private static String extension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot < 0 ? "" : fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static String likePattern(String keyword) {
        StringBuilder regex = new StringBuilder(".*");
        for (char c : keyword.toCharArray()) {
            regex.append(c == '%' ? ".*" : c == '_' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return regex.append(".*").toString();
    }

    private static int intOr(String value, int fallback) {
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static void putIfSet(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static String batchId() {
        return LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMddHHmmss"))
                + ThreadLocalRandom.current().nextInt(100000, 1000000);
    }
}
