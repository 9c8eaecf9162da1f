// Over 400 lines by a little: one file's delivery to Dify (dataset lookup, upload, indexing wait) reads best as one flow.
package io.exporthub.sink.dify;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.exporthub.ExchangeProperties;
import io.exporthub.api.Json;
import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.pipeline.Delivery;
import io.exporthub.pipeline.PermanentDeliveryException;
import io.exporthub.pipeline.TransientDeliveryException;
import io.exporthub.sink.Sink;
import io.exporthub.source.Blocks;
import io.exporthub.task.Target;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

/**
 * The steps of {@code deliver-dify}: one file becomes one document of the task's dataset, named
 * after the file. The document of that name is looked up first and updated when it exists, so a
 * retry, a rerun or a resume after a crash never leaves two; processing results go as text (their
 * blocks in order, blank lines between), raw files as the file itself.
 */
public class DifyDelivery implements Sink {

    private static final int DATASET_CACHE_SIZE = 512;
    /** Dify keeps at most 200 characters of a document's name. */
    private static final int NAME_LIMIT = 200;

    public record Settings(Duration timeout, Duration rateLimitPause, Duration rateLimitMaxWait, Duration indexingTimeout,
                           Duration indexingPollInterval) {
    }

    private final CamelContext context;
    private final ConnectorStore connectors;
    private final Settings settings;
    private final Map<Long, DifyClient> clients = new ConcurrentHashMap<>();
    // one GET of a dataset per task and connector, however many files start at once
    private final Map<String, CompletableFuture<DifyClient.Dataset>> datasets = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<DifyClient.Dataset>> eldest) {
            return size() > DATASET_CACHE_SIZE;
        }
    };
    private volatile ProducerTemplate template;

    public DifyDelivery(CamelContext context, ConnectorStore connectors, Settings settings) {
        this.context = context;
        this.connectors = connectors;
        this.settings = settings;
        connectors.onDelete(connector -> clients.remove(connector.id()));
    }

    @Override
    public String targetKind() {
        return Target.DIFY;
    }

    /** A Dify connector names no dataset to ask about: its first task finds out. */
    @Override
    public String probe(Connector connector) {
        return null;
    }

    /** One file on its way: where it goes, what is sent, and what Dify made of it. */
    static final class Job {
        final DifyClient client;
        final String datasetId;
        final String datasetLabel;
        final DifyClient.Dataset dataset;
        final Connector connector;
        final Target target;
        final Delivery delivery;
        final String name;
        final String storedName;
        DifyClient.Written written;
        boolean updated;

        Job(DifyClient client, String datasetId, String datasetLabel, DifyClient.Dataset dataset, Connector connector, Target target,
            Delivery delivery) {
            this.client = client;
            this.datasetId = datasetId;
            this.datasetLabel = datasetLabel;
            this.dataset = dataset;
            this.connector = connector;
            this.target = target;
            this.delivery = delivery;
            this.name = delivery.getFile().fileName();
            this.storedName = storedName(name, delivery.getFile().raw());
        }

        boolean raw() {
            return delivery.getFile().raw();
        }

        String docForm() {
            return dataset.docForm() == null ? "text_model" : dataset.docForm();
        }
    }

    /** The connector's client and the dataset (fetched once per task), checked before anything is sent. */
    public void prepare(Exchange exchange) {
        Delivery delivery = exchange.getProperty(ExchangeProperties.DELIVERY, Delivery.class);
        Target target = exchange.getProperty(ExchangeProperties.TARGET, Target.class);
        delivery.attempt(target);
        exchange.removeProperty(ExchangeProperties.DIFY_EXISTING);
        Connector connector = connectors.get(target.connectorId());
        DifyClient client = client(connector);
        String datasetId = target.options().path("dataset_id").asText();
        String datasetName = target.options().path("dataset_name").asText(null);
        DifyClient.Dataset dataset = call(() -> dataset(client, delivery.getFile().taskId() + "/" + connector.id() + "/" + datasetId, datasetId));
        if ("external".equals(dataset.provider())) {
            throw new PermanentDeliveryException("dataset " + datasetId + " is an external knowledge base, which takes no documents");
        }
        String label = "'" + (datasetName != null ? datasetName : dataset.name() != null ? dataset.name() : datasetId) + "' (" + datasetId + ")";
        exchange.setProperty(ExchangeProperties.DIFY_JOB, new Job(client, datasetId, label, dataset, connector, target, delivery));
        exchange.setProperty(ExchangeProperties.DIFY_WAIT_FOR_INDEXING, Boolean.parseBoolean(connector.setting("wait_for_indexing")));
    }

    /**
     * Finds the file's document by its exact name. Should several carry it, one is kept and the
     * others deleted: the dataset holds one document per file.
     */
    public void findExisting(Exchange exchange) {
        Job job = exchange.getProperty(ExchangeProperties.DIFY_JOB, Job.class);
        call(() -> {
            List<DifyClient.Document> named = new ArrayList<>(job.client.documentsNamed(job.datasetId, job.storedName));
            if (named.isEmpty()) {
                return null;
            }
            named.sort(Comparator.comparingInt(DifyDelivery::preference));
            DifyClient.Document keep = named.get(0);
            for (DifyClient.Document extra : named.subList(1, named.size())) {
                deleteDocument(job, extra);
            }
            switch (keep.status()) {
                case "available" -> exchange.setProperty(ExchangeProperties.DIFY_EXISTING, keep);
                case "queuing", "indexing" -> throw new TransientDeliveryException("document '" + job.storedName + "' (" + keep.id()
                        + ") is still being indexed by Dify; it is updated once Dify has finished", null);
                case "error" -> deleteDocument(job, keep); // Dify cannot update it, and a new one replaces it
                case "paused" -> throw new PermanentDeliveryException("indexing of document '" + job.storedName + "' (" + keep.id()
                        + ") is paused in Dify; resume or delete it there, then rerun");
                case "archived" -> throw new PermanentDeliveryException("document '" + job.storedName + "' (" + keep.id()
                        + ") is archived in Dify, which then refuses updates; unarchive it there, then rerun");
                default -> throw new PermanentDeliveryException("document '" + job.storedName + "' (" + keep.id() + ") is "
                        + keep.status() + " in Dify, which then refuses updates; enable or delete it there, then rerun");
            }
            return null;
        });
    }

    /** Creates the document: the raw file by file, a processing result by text. */
    public void create(Exchange exchange) {
        Job job = exchange.getProperty(ExchangeProperties.DIFY_JOB, Job.class);
        ObjectNode settings = Json.MAPPER.createObjectNode()
                .put("indexing_technique", job.connector.setting("indexing_technique"))
                .put("doc_form", job.docForm());
        settings.set("process_rule", processRule());
        embedding(job, settings);
        job.written = call(() -> {
            if (job.raw()) {
                return job.client.createByFile(job.datasetId, job.delivery.getSource(), job.name, settings);
            }
            ObjectNode body = Json.MAPPER.createObjectNode().put("name", job.name).put("text", text(job));
            body.setAll(settings);
            return job.client.createByText(job.datasetId, body);
        });
        job.updated = false;
    }

    /** Updates the document found by name with this file's content. */
    public void update(Exchange exchange) {
        Job job = exchange.getProperty(ExchangeProperties.DIFY_JOB, Job.class);
        DifyClient.Document existing = exchange.getProperty(ExchangeProperties.DIFY_EXISTING, DifyClient.Document.class);
        job.written = call(() -> {
            try {
                if (job.raw()) {
                    ObjectNode data = Json.MAPPER.createObjectNode().put("doc_form", job.docForm());
                    data.set("process_rule", processRule());
                    embedding(job, data);
                    return job.client.updateByFile(job.datasetId, existing.id(), job.delivery.getSource(), job.name, data);
                }
                ObjectNode body = Json.MAPPER.createObjectNode().put("name", job.name).put("text", text(job)).put("doc_form", job.docForm());
                body.set("process_rule", processRule());
                return job.client.updateByText(job.datasetId, existing.id(), body);
            } catch (DifyException e) {
                // Dify updates only documents at rest; this one started indexing after it was listed
                if (e.status() == 400 && e.difyMessage() != null && e.difyMessage().toLowerCase(Locale.ROOT).contains("not available")) {
                    throw new TransientDeliveryException("document '" + job.storedName + "' (" + existing.id()
                            + ") is being indexed by Dify, which updates only documents at rest", e);
                }
                throw e;
            }
        });
        job.updated = true;
    }

    /** With the connector's wait_for_indexing: polls the batch until Dify has indexed the document. */
    public void awaitIndexing(Exchange exchange) throws InterruptedException {
        Job job = exchange.getProperty(ExchangeProperties.DIFY_JOB, Job.class);
        String documentId = job.written.document().id();
        long deadline = System.currentTimeMillis() + settings.indexingTimeout().toMillis();
        String last = job.written.document().indexingStatus();
        while (true) {
            List<DifyClient.IndexingStatus> statuses = call(() -> job.client.indexingStatus(job.datasetId, job.written.batch()));
            DifyClient.IndexingStatus mine = statuses.stream().filter(s -> documentId.equals(s.id())).findFirst()
                    .orElse(statuses.size() == 1 ? statuses.get(0) : null);
            if (mine != null) {
                last = mine.status();
                if ("completed".equals(last)) {
                    return;
                }
                if ("error".equals(last)) {
                    throw new PermanentDeliveryException("Dify could not index document '" + job.storedName + "' (" + documentId + "): "
                            + (mine.error() == null ? "no reason given" : mine.error()));
                }
            }
            if (System.currentTimeMillis() + settings.indexingPollInterval().toMillis() > deadline) {
                throw new PermanentDeliveryException("Dify had not indexed document '" + job.storedName + "' (" + documentId + ") after "
                        + settings.indexingTimeout().toSeconds() + " s (status " + last + "); it is in the dataset and Dify may still finish it");
            }
            Thread.sleep(settings.indexingPollInterval().toMillis());
        }
    }

    public void delivered(Exchange exchange) {
        Job job = exchange.getProperty(ExchangeProperties.DIFY_JOB, Job.class);
        job.delivery.delivered("dify dataset " + job.datasetLabel + " as document " + job.written.document().id()
                + (job.updated ? " (updated)" : " (created)"));
        exchange.removeProperty(ExchangeProperties.DIFY_JOB);
        exchange.removeProperty(ExchangeProperties.DIFY_EXISTING);
    }

    // ---- the pieces ----

    private DifyClient client(Connector connector) {
        return clients.computeIfAbsent(connector.id(), id -> new DifyClient(template(), connector.setting("api_url"),
                connector.setting("api_key"), Integer.parseInt(connector.setting("max_concurrency")), settings.timeout(),
                settings.rateLimitPause(), settings.rateLimitMaxWait()));
    }

    private ProducerTemplate template() {
        if (template == null) {
            synchronized (this) {
                if (template == null) {
                    template = context.createProducerTemplate();
                }
            }
        }
        return template;
    }

    /**
     * The dataset, asked once for all files of a task that start together. A transient failure of
     * that one request is the failure of the file that sent it only: the files that waited on it
     * ask again (one of them sends the request) instead of failing an attempt they never made.
     */
    private DifyClient.Dataset dataset(DifyClient client, String key, String datasetId) {
        while (true) {
            CompletableFuture<DifyClient.Dataset> mine = new CompletableFuture<>();
            CompletableFuture<DifyClient.Dataset> known;
            synchronized (datasets) {
                known = datasets.putIfAbsent(key, mine);
            }
            if (known == null) {
                return lookUp(client, key, datasetId, mine);
            }
            try {
                return known.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof DifyException dify && dify.isTransient()) {
                    continue; // someone else's try: not ours to count
                }
                throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw DifyException.noAnswer("get dataset", "interrupted", e);
            }
        }
    }

    private DifyClient.Dataset lookUp(DifyClient client, String key, String datasetId,
                                             CompletableFuture<DifyClient.Dataset> mine) {
        try {
            DifyClient.Dataset dataset = client.getDataset(datasetId);
            mine.complete(dataset);
            return dataset;
        } catch (RuntimeException e) {
            // a failure is not remembered: the next file asks again
            synchronized (datasets) {
                datasets.remove(key, mine);
            }
            mine.completeExceptionally(e);
            throw e;
        }
    }

    private void deleteDocument(Job job, DifyClient.Document document) {
        try {
            job.client.deleteDocument(job.datasetId, document.id());
        } catch (DifyException e) {
            if (e.status() == 404) {
                return; // gone already
            }
            if ("document_indexing".equals(e.code())) {
                throw new TransientDeliveryException("document '" + job.storedName + "' (" + document.id()
                        + ") is a second one of this name and cannot be deleted while Dify indexes it", e);
            }
            throw e;
        }
    }

    private static int preference(DifyClient.Document document) {
        return switch (document.status()) {
            case "available" -> 0;
            case "queuing", "indexing" -> 1;
            case "paused", "disabled", "archived" -> 2;
            default -> 3;
        };
    }

    private static ObjectNode processRule() {
        return Json.MAPPER.createObjectNode().put("mode", "automatic");
    }

    private static void embedding(Job job, ObjectNode settings) {
        String model = job.target.options().path("embedding_model").asText(null);
        if (model != null) {
            settings.put("embedding_model", model);
        }
        String provider = job.connector.setting("embedding_model_provider");
        if (provider != null && !provider.isBlank()) {
            settings.put("embedding_model_provider", provider);
        }
    }

    /** A processing result as the document's text: its blocks' contents in order, blank lines between. */
    private static String text(Job job) {
        ArrayNode blocks = Blocks.of(Blocks.read(job.delivery.getSource()));
        // blocks without text (an image without OCR) would only leave empty paragraphs, and a title
        // merged into one would stand alone anyway: they are left out before titles are merged
        ArrayNode texts = Json.MAPPER.createArrayNode();
        for (JsonNode block : blocks) {
            String content = block.path("content").asText("").strip();
            if (block instanceof ObjectNode object && !content.isEmpty()) {
                texts.add(object.deepCopy().put("content", content));
            }
        }
        List<String> parts = new ArrayList<>();
        for (JsonNode block : job.delivery.isMergeTitles() ? Blocks.mergeTitles(texts) : texts) {
            parts.add(block.path("content").asText());
        }
        if (parts.isEmpty()) {
            throw new PermanentDeliveryException("processing result has no text to send to Dify (every block is empty)");
        }
        return String.join("\n\n", parts);
    }

    /** The name Dify keeps: text names cut at 200 characters, long file names cut before the extension. */
    static String storedName(String name, boolean raw) {
        if (name.length() <= NAME_LIMIT) {
            return name;
        }
        if (!raw) {
            return name.substring(0, NAME_LIMIT);
        }
        int dot = name.lastIndexOf('.');
        String extension = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        String base = name.split("\\.", -1)[0];
        return base.substring(0, Math.min(NAME_LIMIT, base.length())) + "." + extension;
    }

    private interface DifyCall<T> {
        T run();
    }

    /** Dify's refusals become the pipeline's failures: retried when a retry can help, final otherwise. */
    private static <T> T call(DifyCall<T> call) {
        try {
            return call.run();
        } catch (DifyException e) {
            if (e.isTransient()) {
                throw new TransientDeliveryException(e.getMessage(), e);
            }
            throw new PermanentDeliveryException(e.getMessage(), e);
        }
    }
}
