package io.exporthub;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;

import io.exporthub.api.Envelope;
import io.exporthub.auth.ApiKeys;
import io.exporthub.connector.ConnectorApi;
import io.exporthub.connector.ConnectorKind;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.pipeline.DeliveryErrors;
import io.exporthub.source.SourceVolume;
import io.exporthub.store.Database;
import io.exporthub.target.Payloads;
import io.exporthub.target.dify.DifyClient;
import io.exporthub.target.dify.DifyDelivery;
import io.exporthub.target.local.LocalDelivery;
import io.exporthub.target.s3.S3Delivery;
import io.exporthub.task.TaskApi;
import io.exporthub.task.TaskRequests;
import io.exporthub.task.TaskStore;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;

/**
 * Every bean of the service, made from {@code exporthub.*} properties and bound by the names the
 * routes use. Register this class with camel-main, or with any CamelContext to embed the service.
 */
public class ExportHubConfiguration implements CamelConfiguration {

    private static final String CONNECTOR_PREFIX = "exporthub.connector.";

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent props = context.getPropertiesComponent();
        Registry registry = context.getRegistry();

        Database database = new Database(
                required(props, "exporthub.db.url"),
                props.resolveProperty("exporthub.db.user").orElse(null),
                props.resolveProperty("exporthub.db.password").orElse(null),
                Integer.parseInt(props.resolveProperty("exporthub.db.pool-size").orElse("10")));
        registry.bind("database", database);
        context.addService(database, true, true);

        ApiKeys apiKeys = new ApiKeys(database);
        apiKeys.bootstrap(props.resolveProperty("exporthub.api-key").orElse(null),
                props.resolveProperty("exporthub.admin-email").orElse("admin@localhost"));
        registry.bind("apiKeys", apiKeys);

        ConnectorStore connectors = new ConnectorStore(database,
                Path.of(props.resolveProperty("exporthub.local-target.root").orElse("./data/local-target")));
        declaredConnectors(props, database, connectors);
        registry.bind("connectorStore", connectors);

        TaskStore tasks = new TaskStore(database);
        registry.bind("taskStore", tasks);
        registry.bind("taskRequests", new TaskRequests(connectors,
                Integer.parseInt(props.resolveProperty("exporthub.task.max-files").orElse("100000"))));
        registry.bind("taskApi", new TaskApi(tasks));
        registry.bind("connectorApi", new ConnectorApi(connectors));
        registry.bind("envelope", new Envelope());

        registry.bind("sourceVolume", new SourceVolume(Path.of(props.resolveProperty("exporthub.volume.root").orElse("./data/volume"))));
        Payloads payloads = new Payloads(Path.of(props.resolveProperty("exporthub.work.dir").orElse("./data/work")));
        payloads.sweep();
        registry.bind("payloads", payloads);
        registry.bind("s3Delivery", new S3Delivery(context, connectors, payloads,
                Duration.ofMillis(Long.parseLong(props.resolveProperty("exporthub.s3.socket-timeout").orElse("60000")))));
        registry.bind("localDelivery", new LocalDelivery(connectors, payloads));
        registry.bind(DifyClient.HTTP_CLIENT_CONFIGURER, HttpClientConfigurer.class, DifyClient.httpClientConfigurer());
        registry.bind("difyDelivery", new DifyDelivery(context, connectors, new DifyDelivery.Settings(
                millis(props, "exporthub.dify.timeout", "60000"),
                millis(props, "exporthub.dify.rate-limit-pause", "60000"),
                millis(props, "exporthub.dify.rate-limit-max-wait", "1800000"),
                millis(props, "exporthub.dify.indexing-timeout", "600000"),
                millis(props, "exporthub.dify.indexing-poll-interval", "2000"))));
        registry.bind("deliveryErrors", new DeliveryErrors(tasks, connectors));
        registry.bind("deliveryPool", deliveryPool(context,
                Integer.parseInt(props.resolveProperty("exporthub.pipeline.parallelism").orElse("4"))));
    }

    /**
     * The split's workers: a fixed pool whose full queue makes the caller run the file itself,
     * because a parallel split whose pool rejects work waits forever.
     */
    private static ExecutorService deliveryPool(CamelContext context, int parallelism) {
        ThreadPoolProfile profile = new ThreadPoolProfile("exporthub-delivery");
        profile.setPoolSize(parallelism);
        profile.setMaxPoolSize(parallelism);
        profile.setMaxQueueSize(parallelism);
        profile.setRejectedPolicy(ThreadPoolRejectedPolicy.CallerRuns);
        return context.getExecutorServiceManager().newThreadPool(ExportHubConfiguration.class, "delivery", profile);
    }

    /** Connectors declared as {@code exporthub.connector.<name>.kind} and {@code exporthub.connector.<name>.<setting>}. */
    private static void declaredConnectors(PropertiesComponent props, Database database, ConnectorStore connectors) {
        Properties declared = props.loadProperties(key -> key.startsWith(CONNECTOR_PREFIX));
        Map<String, Map<String, String>> byName = new LinkedHashMap<>();
        for (String key : declared.stringPropertyNames()) {
            String rest = key.substring(CONNECTOR_PREFIX.length());
            int dot = rest.indexOf('.');
            if (dot > 0) {
                byName.computeIfAbsent(rest.substring(0, dot), n -> new LinkedHashMap<>())
                        .put(rest.substring(dot + 1), props.resolveProperty(key).orElse(""));
            }
        }
        if (byName.isEmpty()) {
            return;
        }
        long workspaceId = database.queryOne("SELECT id FROM workspaces WHERE name = ?", rs -> rs.getLong(1), ApiKeys.DEFAULT_WORKSPACE)
                .orElseThrow();
        byName.forEach((name, settings) -> {
            String kindId = settings.remove("kind");
            ConnectorKind kind = ConnectorKind.of(kindId).orElseThrow(() -> new IllegalArgumentException(
                    CONNECTOR_PREFIX + name + ".kind: '" + kindId + "' is not a connector kind (" + ConnectorKind.ids() + ")"));
            connectors.upsert(workspaceId, name, kind, settings);
        });
    }

    private static Duration millis(PropertiesComponent props, String key, String fallback) {
        return Duration.ofMillis(Long.parseLong(props.resolveProperty(key).orElse(fallback).trim()));
    }

    private static String required(PropertiesComponent props, String key) {
        return props.resolveProperty(key).filter(v -> !v.isBlank())
                .orElseThrow(() -> new IllegalArgumentException(key + " must be set"));
    }
}
