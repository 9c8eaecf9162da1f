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
import io.exporthub.http.UnknownRoutes;
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
import io.exporthub.task.TaskViews;
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
                setting(props, "exporthub.db.user"),
                setting(props, "exporthub.db.password"),
                intSetting(props, "exporthub.db.pool-size"));
        registry.bind("database", database);
        context.addService(database, true, true);

        ApiKeys apiKeys = new ApiKeys(database,
                Duration.ofSeconds(longSetting(props, "exporthub.auth.key-cache-seconds")));
        apiKeys.bootstrap(setting(props, "exporthub.api-key"),
                setting(props, "exporthub.admin-email"));
        registry.bind("apiKeys", apiKeys);

        ConnectorStore connectors = new ConnectorStore(database,
                Path.of(setting(props, "exporthub.local-target.root")),
                Secrets.configured(setting(props, "exporthub.secrets.key"),
                        setting(props, "exporthub.secrets.previous-keys"),
                        Path.of(setting(props, "exporthub.secrets.key-file"))));
        declaredConnectors(props, database, connectors);
        registry.bind("connectorStore", connectors);

        int parallelism = intSetting(props, "exporthub.pipeline.parallelism");
        TaskStore tasks = new TaskStore(database, 2 * parallelism);
        tasks.stopHandingOutWhen(() -> context.getStatus().isStopping());
        registry.bind("taskStore", tasks);
        TaskRequests requests = new TaskRequests(connectors,
                intSetting(props, "exporthub.task.max-files"));
        registry.bind("taskRequests", requests);
        TaskViews views = new TaskViews(database);
        registry.bind("taskApi", new TaskApi(tasks, views));
        registry.bind("connectorApi", new ConnectorApi(connectors));
        registry.bind("envelope", new Envelope());
        registry.bind("consoleAssets", new ConsoleAssets());

        registry.bind("sourceVolume", new SourceVolume(Path.of(setting(props, "exporthub.volume.root"))));
        Payloads payloads = new Payloads(Path.of(setting(props, "exporthub.work.dir")));
        payloads.sweep();
        registry.bind("payloads", payloads);
        S3Delivery s3Delivery = new S3Delivery(context, connectors, payloads,
                millis(props, "exporthub.s3.socket-timeout"));
        registry.bind("s3Delivery", s3Delivery);
        LocalDelivery localDelivery = new LocalDelivery(connectors, payloads);
        registry.bind("localDelivery", localDelivery);
        // Services stop in reverse order: the MatrixOne pools close (aborting writes still in flight
        // after the shutdown timeout), then unfinished files go back to pending, then the store closes.
        context.addService(new PipelineShutdown(tasks), true, true);
        MatrixOneConnections matrixOne = new MatrixOneConnections(connectors,
                intSetting(props, "exporthub.matrixone.pool-size"),
                intSetting(props, "exporthub.matrixone.connect-timeout"),
                intSetting(props, "exporthub.matrixone.socket-timeout"));
        context.addService(matrixOne, true, true);
        registry.bind("matrixOneTables", new MatrixOneTables(connectors, matrixOne));
        registry.bind("matrixOneWriter", new MatrixOneWriter(connectors, matrixOne,
                intSetting(props, "exporthub.matrixone.batch-rows"),
                longSetting(props, "exporthub.matrixone.batch-bytes")));
        registry.bind(DifyClient.HTTP_CLIENT_CONFIGURER, HttpClientConfigurer.class, DifyClient.httpClientConfigurer());
        DifyDelivery difyDelivery = new DifyDelivery(context, connectors, new DifyDelivery.Settings(
                millis(props, "exporthub.dify.timeout"),
                millis(props, "exporthub.dify.rate-limit-pause"),
                millis(props, "exporthub.dify.rate-limit-max-wait"),
                millis(props, "exporthub.dify.indexing-timeout"),
                millis(props, "exporthub.dify.indexing-poll-interval")));
        registry.bind("difyDelivery", difyDelivery);
        Sinks sinks = new Sinks(connectors, List.of(s3Delivery, localDelivery, new MatrixOneSink(matrixOne), difyDelivery));
        registry.bind("sinks", sinks);
        registry.bind("deliveryErrors", new DeliveryErrors(tasks, sinks,
                intSetting(props, "exporthub.log.failures-per-task"),
                intSetting(props, "exporthub.log.failure-summary-every")));
        registry.bind("inProcessApi", new InProcessApi(views));

        registry.bind("exporthubStoreHealth", new StoreHealthCheck(database));
        ConnectorWatch connectorWatch = new ConnectorWatch(context, connectors, sinks,
                millis(props, "exporthub.health.probe-interval"), millis(props, "exporthub.health.probe-timeout"),
                intSetting(props, "exporthub.health.probe-threads"));
        context.addService(connectorWatch, true, true);
        registry.bind("exporthubConnectorsHealth", new ConnectorsHealthCheck(connectorWatch));
        http(context, props, registry, apiKeys, connectorWatch);
        ExportMetrics metrics = new ExportMetrics(context, tasks, setting(props, "exporthub.queue.uri"));
        context.addStartupListener(metrics);
        registry.bind("exportMetrics", metrics);

        Schedules schedules = new Schedules(Schedules.declared(props), database, tasks, apiKeys);
        registry.bind("schedules", schedules);
        context.addRoutes(schedules.routes());
        tables(context, props, registry, database);
        registry.bind("deliveryPool", deliveryPool(context, parallelism));
    }

    /**
     * What guards the HTTP API before a route runs (keys checked and bodies capped before a body is
     * read, health without secrets), and the exit on an OutOfMemoryError.
     */
    private static void http(CamelContext context, PropertiesComponent props, Registry registry, ApiKeys apiKeys,
                             ConnectorWatch connectorWatch) throws Exception {
        if (Boolean.parseBoolean(setting(props, "exporthub.exit-on-out-of-memory"))) {
            OutOfMemoryExit.enable();
            context.getManagementStrategy().addEventNotifier(OutOfMemoryExit.exchangeFailures());
        }
        // an application that embeds us without an HTTP server has no Vert.x: nothing to guard
        if (context.getClassResolver().resolveClass("io.vertx.ext.web.Router") == null) {
            return;
        }
        HttpGate.Limits limits = new HttpGate.Limits(
                longSetting(props, "exporthub.http.max-body"),
                longSetting(props, "exporthub.http.max-import-body"),
                longSetting(props, "exporthub.http.max-buffered"));
        Path uploads = Path.of(setting(props, "exporthub.work.dir")).resolve("uploads");
        HttpGate gate = new HttpGate(apiKeys, limits, uploads, new HealthEndpoint(context, apiKeys, connectorWatch));
        registry.bind("httpGate", gate);
        context.addStartupListener(gate);
        context.addStartupListener(new UnknownRoutes());
    }

    /** The MinApp table API: tables, export and import jobs, download links and job e-mails. */
    private static void tables(CamelContext context, PropertiesComponent props, Registry registry, Database database) {
        Path exportsDir = Path.of(setting(props, "exporthub.exports.dir"));
        ZoneId zone = ZoneId.of(setting(props, "exporthub.exports.time-zone"));
        TableStore tables = new TableStore(database, required(props, "exporthub.db.url"));
        TableJobs jobs = new TableJobs(database,
                intSetting(props, "exporthub.table-jobs.max-runs"));
        DownloadLinks links = new DownloadLinks(database, setting(props, "exporthub.exports.link-secret"),
                publicUrl(props));
        TableApi api = new TableApi(tables, jobs, links, exportsDir, zone,
                longSetting(props, "exporthub.exports.interval") * 1000,
                longSetting(props, "exporthub.exports.max-rows"),
                longSetting(props, "exporthub.imports.max-bytes"));
        registry.bind("tableStore", tables);
        registry.bind("tableJobs", jobs);
        registry.bind("tableApi", api);
        registry.bind("minApp", new MinApp());
        registry.bind("tableJobRunner", new TableJobRunner(jobs, tables, exportsDir, zone,
                Boolean.parseBoolean(setting(props, "exporthub.exports.csv-neutralise-formulas")),
                Duration.ofSeconds(longSetting(props, "exporthub.exports.link-ttl")),
                intSetting(props, "exporthub.imports.batch-rows")));
        JobMail.Settings mail = new JobMail.Settings(
                setting(props, "exporthub.mail.host"),
                intSetting(props, "exporthub.mail.port"),
                setting(props, "exporthub.mail.username"),
                setting(props, "exporthub.mail.password"),
                setting(props, "exporthub.mail.from"),
                setting(props, "exporthub.mail.security"));
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

    /*
     * Settings are read through these: every exporthub.* key has its default in the defaults file
     * (DEFAULTS), loaded below every other source, so a default is written there and nowhere else.
     */
    private static String setting(PropertiesComponent props, String key) {
        return props.resolveProperty(key)
                .orElseThrow(() -> new IllegalArgumentException(key + " is not set, and " + DEFAULTS + " has no default for it"));
    }

    private static int intSetting(PropertiesComponent props, String key) {
        return Integer.parseInt(setting(props, key).trim());
    }

    private static long longSetting(PropertiesComponent props, String key) {
        return Long.parseLong(setting(props, key).trim());
    }

    private static Duration millis(PropertiesComponent props, String key) {
        return Duration.ofMillis(longSetting(props, key));
    }

    private static String required(PropertiesComponent props, String key) {
        return props.resolveProperty(key).filter(v -> !v.isBlank())
                .orElseThrow(() -> new IllegalArgumentException(key + " must be set"));
    }
}
