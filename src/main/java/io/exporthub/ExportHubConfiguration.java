package io.exporthub;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;

import io.exporthub.api.Envelope;
import io.exporthub.api.MinApp;
import io.exporthub.auth.ApiKeys;
import io.exporthub.connector.ConnectorApi;
import io.exporthub.connector.ConnectorKind;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.console.ConsoleAssets;
import io.exporthub.inprocess.InProcessApi;
import io.exporthub.http.HealthEndpoint;
import io.exporthub.http.HttpGate;
import io.exporthub.observe.ConnectorWatch;
import io.exporthub.observe.ConnectorsHealthCheck;
import io.exporthub.observe.ExportMetrics;
import io.exporthub.observe.StoreHealthCheck;
import io.exporthub.pipeline.DeliveryErrors;
import io.exporthub.pipeline.PipelineShutdown;
import io.exporthub.schedule.Schedules;
import io.exporthub.source.SourceVolume;
import io.exporthub.store.Database;
import io.exporthub.store.Secrets;
import io.exporthub.minapp.DownloadLinks;
import io.exporthub.minapp.JobMail;
import io.exporthub.minapp.TableApi;
import io.exporthub.minapp.TableJobRunner;
import io.exporthub.minapp.TableJobs;
import io.exporthub.minapp.TableStore;
import io.exporthub.sink.Payloads;
import io.exporthub.sink.dify.DifyClient;
import io.exporthub.sink.dify.DifyDelivery;
import io.exporthub.sink.local.LocalDelivery;
import io.exporthub.sink.Sinks;
import io.exporthub.sink.matrixone.MatrixOneConnections;
import io.exporthub.sink.matrixone.MatrixOneSink;
import io.exporthub.sink.matrixone.MatrixOneTables;
import io.exporthub.sink.matrixone.MatrixOneWriter;
import io.exporthub.sink.s3.S3Delivery;
import io.exporthub.task.TaskApi;
import io.exporthub.task.TaskRequests;
import io.exporthub.task.TaskStore;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PackageScanResourceResolver;
import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.Registry;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;

/**
 * Every bean of the service, made from {@code exporthub.*} properties and bound by the names the
 * routes use. Register this class with camel-main, or with any CamelContext to embed the service.
 */
public class ExportHubConfiguration implements CamelConfiguration {

    /** The default settings, carried in the jar. */
    public static final String DEFAULTS = "classpath:exporthub/application.properties";
    /** Every route of the service. */
    public static final String ROUTES = "classpath:exporthub/routes/*.yaml";
    /** The HTTP API's routes (the MOI and the MinApp API), to leave out when embedding without HTTP. */
    public static final String REST_API_ROUTES = "classpath:exporthub/routes/rest-*.yaml";

    private static final String CONNECTOR_PREFIX = "exporthub.connector.";

    /**
     * For an application that embeds the service in its own CamelContext (without our Main): our
     * routes, with or without the HTTP API. A camel-main application can instead set
     * {@code camel.main.routesIncludePattern} to {@link #ROUTES}.
     */
    public static void loadRoutes(CamelContext context, boolean withRestApi) throws Exception {
        PackageScanResourceResolver resolver = PluginHelper.getPackageScanResourceResolver(context);
        List<Resource> resources = new ArrayList<>();
        for (Resource resource : resolver.findResources(ROUTES.substring("classpath:".length()))) {
            if (withRestApi || !isRestApi(resource)) {
                resources.add(resource);
            }
        }
        PluginHelper.getRoutesLoader(context).loadRoutes(resources);
    }

    private static boolean isRestApi(Resource resource) {
        String location = resource.getLocation();
        return location.substring(location.lastIndexOf('/') + 1).startsWith("rest-");
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent props = context.getPropertiesComponent();
        Registry registry = context.getRegistry();
        useDefaults(context, props);

        Database database = new Database(
                required(props, "exporthub.db.url"),
                props.resolveProperty("exporthub.db.user").orElse(null),
                props.resolveProperty("exporthub.db.password").orElse(null),
                Integer.parseInt(props.resolveProperty("exporthub.db.pool-size").orElse("10")));
        registry.bind("database", database);
        context.addService(database, true, true);

        ApiKeys apiKeys = new ApiKeys(database,
                Duration.ofSeconds(Long.parseLong(props.resolveProperty("exporthub.auth.key-cache-seconds").orElse("10"))));
        apiKeys.bootstrap(props.resolveProperty("exporthub.api-key").orElse(null),
                props.resolveProperty("exporthub.admin-email").orElse("admin@localhost"));
        registry.bind("apiKeys", apiKeys);

        ConnectorStore connectors = new ConnectorStore(database,
                Path.of(props.resolveProperty("exporthub.local-target.root").orElse("./data/local-target")),
                Secrets.configured(props.resolveProperty("exporthub.secrets.key").orElse(null),
                        props.resolveProperty("exporthub.secrets.previous-keys").orElse(null),
                        Path.of(props.resolveProperty("exporthub.secrets.key-file").orElse("./data/secrets.key"))));
        declaredConnectors(props, database, connectors);
        registry.bind("connectorStore", connectors);

        int parallelism = Integer.parseInt(props.resolveProperty("exporthub.pipeline.parallelism").orElse("4"));
        TaskStore tasks = new TaskStore(database, 2 * parallelism);
        tasks.stopHandingOutWhen(() -> context.getStatus().isStopping());
        registry.bind("taskStore", tasks);
        TaskRequests requests = new TaskRequests(connectors,
                Integer.parseInt(props.resolveProperty("exporthub.task.max-files").orElse("100000")));
        registry.bind("taskRequests", requests);
        registry.bind("taskApi", new TaskApi(tasks));
        registry.bind("connectorApi", new ConnectorApi(connectors));
        registry.bind("envelope", new Envelope());
        registry.bind("consoleAssets", new ConsoleAssets());

        registry.bind("sourceVolume", new SourceVolume(Path.of(props.resolveProperty("exporthub.volume.root").orElse("./data/volume"))));
        Payloads payloads = new Payloads(Path.of(props.resolveProperty("exporthub.work.dir").orElse("./data/work")));
        payloads.sweep();
        registry.bind("payloads", payloads);
        S3Delivery s3Delivery = new S3Delivery(context, connectors, payloads,
                Duration.ofMillis(Long.parseLong(props.resolveProperty("exporthub.s3.socket-timeout").orElse("60000"))));
        registry.bind("s3Delivery", s3Delivery);
        LocalDelivery localDelivery = new LocalDelivery(connectors, payloads);
        registry.bind("localDelivery", localDelivery);
        // Services stop in reverse order: the MatrixOne pools close (aborting writes still in flight
        // after the shutdown timeout), then unfinished files go back to pending, then the store closes.
        context.addService(new PipelineShutdown(tasks), true, true);
        MatrixOneConnections matrixOne = new MatrixOneConnections(connectors,
                Integer.parseInt(props.resolveProperty("exporthub.matrixone.pool-size").orElse("4")),
                Integer.parseInt(props.resolveProperty("exporthub.matrixone.connect-timeout").orElse("5000")),
                Integer.parseInt(props.resolveProperty("exporthub.matrixone.socket-timeout").orElse("300000")));
        context.addService(matrixOne, true, true);
        registry.bind("matrixOneTables", new MatrixOneTables(connectors, matrixOne));
        registry.bind("matrixOneWriter", new MatrixOneWriter(connectors, matrixOne,
                Integer.parseInt(props.resolveProperty("exporthub.matrixone.batch-rows").orElse("200")),
                Long.parseLong(props.resolveProperty("exporthub.matrixone.batch-bytes").orElse("4194304"))));
        registry.bind(DifyClient.HTTP_CLIENT_CONFIGURER, HttpClientConfigurer.class, DifyClient.httpClientConfigurer());
        DifyDelivery difyDelivery = new DifyDelivery(context, connectors, new DifyDelivery.Settings(
                millis(props, "exporthub.dify.timeout", "60000"),
                millis(props, "exporthub.dify.rate-limit-pause", "60000"),
                millis(props, "exporthub.dify.rate-limit-max-wait", "1800000"),
                millis(props, "exporthub.dify.indexing-timeout", "600000"),
                millis(props, "exporthub.dify.indexing-poll-interval", "2000")));
        registry.bind("difyDelivery", difyDelivery);
        Sinks sinks = new Sinks(connectors, List.of(s3Delivery, localDelivery, new MatrixOneSink(matrixOne), difyDelivery));
        registry.bind("sinks", sinks);
        registry.bind("deliveryErrors", new DeliveryErrors(tasks, sinks,
                Integer.parseInt(props.resolveProperty("exporthub.log.failures-per-task").orElse("20")),
                Integer.parseInt(props.resolveProperty("exporthub.log.failure-summary-every").orElse("1000"))));
        registry.bind("inProcessApi", new InProcessApi(tasks));

        registry.bind("exporthubStoreHealth", new StoreHealthCheck(database));
        ConnectorWatch connectorWatch = new ConnectorWatch(context, connectors, sinks,
                millis(props, "exporthub.health.probe-interval", "30000"), millis(props, "exporthub.health.probe-timeout", "5000"),
                Integer.parseInt(props.resolveProperty("exporthub.health.probe-threads").orElse("4")));
        context.addService(connectorWatch, true, true);
        registry.bind("exporthubConnectorsHealth", new ConnectorsHealthCheck(connectorWatch));
        http(context, props, registry, apiKeys, connectorWatch);
        ExportMetrics metrics = new ExportMetrics(context, tasks, props.resolveProperty("exporthub.queue.uri").orElseThrow());
        context.addStartupListener(metrics);
        registry.bind("exportMetrics", metrics);

        Schedules schedules = new Schedules(Schedules.declared(props), database, tasks, apiKeys);
        registry.bind("schedules", schedules);
        context.addRoutes(schedules.routes());
        tables(context, props, registry, database);
        registry.bind("deliveryPool", deliveryPool(context,
                Integer.parseInt(props.resolveProperty("exporthub.pipeline.parallelism").orElse("4"))));
    }

    /**
     * What guards the HTTP API before a route runs (keys checked and bodies capped before a body is
     * read, health without secrets), and the exit on an OutOfMemoryError.
     */
    private static void http(CamelContext context, PropertiesComponent props, Registry registry, ApiKeys apiKeys,
                             ConnectorWatch connectorWatch) throws Exception {
        if (Boolean.parseBoolean(props.resolveProperty("exporthub.exit-on-out-of-memory").orElse("true"))) {
            OutOfMemoryExit.enable();
            context.getManagementStrategy().addEventNotifier(OutOfMemoryExit.exchangeFailures());
        }
        // an application that embeds us without an HTTP server has no Vert.x: nothing to guard
        if (context.getClassResolver().resolveClass("io.vertx.ext.web.Router") == null) {
            return;
        }
        HttpGate.Limits limits = new HttpGate.Limits(
                Long.parseLong(props.resolveProperty("exporthub.http.max-body").orElse("1048576")),
                Long.parseLong(props.resolveProperty("exporthub.http.max-import-body").orElse("34603008")),
                Long.parseLong(props.resolveProperty("exporthub.http.max-buffered").orElse("67108864")));
        Path uploads = Path.of(props.resolveProperty("exporthub.work.dir").orElse("./data/work")).resolve("uploads");
        HttpGate gate = new HttpGate(apiKeys, limits, uploads, new HealthEndpoint(context, apiKeys, connectorWatch));
        registry.bind("httpGate", gate);
        context.addStartupListener(gate);
    }

    /** The MinApp table API: tables, export and import jobs, download links and job e-mails. */
    private static void tables(CamelContext context, PropertiesComponent props, Registry registry, Database database) {
        Path exportsDir = Path.of(props.resolveProperty("exporthub.exports.dir").orElse("./data/exports"));
        ZoneId zone = ZoneId.of(props.resolveProperty("exporthub.exports.time-zone").orElse("Asia/Shanghai"));
        TableStore tables = new TableStore(database, required(props, "exporthub.db.url"));
        TableJobs jobs = new TableJobs(database,
                Integer.parseInt(props.resolveProperty("exporthub.table-jobs.max-runs").orElse("3")));
        DownloadLinks links = new DownloadLinks(database, props.resolveProperty("exporthub.exports.link-secret").orElse(null),
                publicUrl(props));
        TableApi api = new TableApi(tables, jobs, links, exportsDir, zone,
                Long.parseLong(props.resolveProperty("exporthub.exports.interval").orElse("60")) * 1000,
                Long.parseLong(props.resolveProperty("exporthub.exports.max-rows").orElse("1000000")),
                Long.parseLong(props.resolveProperty("exporthub.imports.max-bytes").orElse("33554432")));
        registry.bind("tableStore", tables);
        registry.bind("tableJobs", jobs);
        registry.bind("tableApi", api);
        registry.bind("minApp", new MinApp());
        registry.bind("tableJobRunner", new TableJobRunner(jobs, tables, exportsDir, zone,
                Boolean.parseBoolean(props.resolveProperty("exporthub.exports.csv-neutralise-formulas").orElse("true")),
                Duration.ofSeconds(Long.parseLong(props.resolveProperty("exporthub.exports.link-ttl").orElse("604800"))),
                Integer.parseInt(props.resolveProperty("exporthub.imports.batch-rows").orElse("10000"))));
        JobMail.Settings mail = new JobMail.Settings(
                props.resolveProperty("exporthub.mail.host").orElse(""),
                Integer.parseInt(props.resolveProperty("exporthub.mail.port").orElse("25")),
                props.resolveProperty("exporthub.mail.username").orElse(""),
                props.resolveProperty("exporthub.mail.password").orElse(""),
                props.resolveProperty("exporthub.mail.from").orElse("export-hub@localhost"),
                props.resolveProperty("exporthub.mail.security").orElse("none"));
        if (!List.of("none", "starttls", "ssl").contains(mail.security())) {
            throw new IllegalArgumentException("exporthub.mail.security: '" + mail.security() + "' is not none, starttls or ssl");
        }
        registry.bind("jobMail", new JobMail(context, database, jobs, tables, api, mail));
    }

    /**
     * The split's workers: a fixed pool whose full queue makes the caller run the file itself,
     * because a parallel split whose pool rejects work waits forever.
     */
    private static ExecutorService deliveryPool(CamelContext context, int parallelism) {
        ThreadPoolProfile profile = new ThreadPoolProfile("exporthub-delivery");
        profile.setPoolSize(parallelism);
        profile.setMaxPoolSize(parallelism);
        // deep enough that the workers still have files queued while the split's own thread, which
        // runs a file itself when the queue is full (CallerRuns), is busy with it
        profile.setMaxQueueSize(4 * parallelism);
        profile.setRejectedPolicy(ThreadPoolRejectedPolicy.CallerRuns);
        return context.getExecutorServiceManager().newThreadPool(ExportHubConfiguration.class, "delivery", profile);
    }

    /** Connectors declared as {@code exporthub.connector.<name>.kind} and {@code exporthub.connector.<name>.<setting>}. */
    private static void declaredConnectors(PropertiesComponent props, Database database, ConnectorStore connectors) {
        Map<String, Map<String, String>> byName = DeclaredSettings.byName(props, CONNECTOR_PREFIX);
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

    /** Our defaults sit below every other source, so that an embedding application's settings win. */
    private static void useDefaults(CamelContext context, PropertiesComponent props) throws Exception {
        Properties defaults = new Properties();
        try (InputStream in = ResourceHelper.resolveMandatoryResourceAsInputStream(context, DEFAULTS)) {
            defaults.load(in);
        }
        for (String key : defaults.stringPropertyNames()) {
            if (key.startsWith("exporthub.")) {
                props.addInitialProperty(key, defaults.getProperty(key));
            }
        }
    }

    /** An embedding context may have no server port, which the default public URL refers to: then port 8080. */
    private static String publicUrl(PropertiesComponent props) {
        try {
            return props.resolveProperty("exporthub.public-url").filter(v -> !v.isBlank()).orElse("http://localhost:8080");
        } catch (IllegalArgumentException e) {
            return "http://localhost:8080";
        }
    }

    private static Duration millis(PropertiesComponent props, String key, String fallback) {
        return Duration.ofMillis(Long.parseLong(props.resolveProperty(key).orElse(fallback).trim()));
    }

    private static String required(PropertiesComponent props, String key) {
        return props.resolveProperty(key).filter(v -> !v.isBlank())
                .orElseThrow(() -> new IllegalArgumentException(key + " must be set"));
    }
}
