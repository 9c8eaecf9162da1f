package io.exporthub.observe;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

import io.exporthub.ExchangeProperties;
import io.exporthub.pipeline.Delivery;
import io.exporthub.task.Target;
import io.exporthub.task.TaskStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.StartupListener;
import org.apache.camel.component.seda.SedaEndpoint;

/**
 * The service's own Prometheus meters, next to Camel's: tasks and files by status, queue depth,
 * delivery time and retries per target. Inactive when metrics are off (no MeterRegistry).
 */
public class ExportMetrics implements StartupListener, Processor {

    private static final long SNAPSHOT_MILLIS = 2000;

    private final CamelContext context;
    private final TaskStore tasks;
    private final String queueUri;
    private volatile MeterRegistry registry;
    private volatile Map<String, Long> snapshot = Map.of();
    private volatile long snapshotAt;

    public ExportMetrics(CamelContext context, TaskStore tasks, String queueUri) {
        this.context = context;
        this.tasks = tasks;
        this.queueUri = queueUri;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        // the registry is made while camel-main starts: look for it once everything is up
    }

    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        registry = context.getRegistry().findSingleByType(MeterRegistry.class);
        if (registry == null) {
            return;
        }
        for (String status : new String[] {"running", "completed", "failed"}) {
            gauge("exporthub.tasks", "export tasks by status", status, s -> count("task." + status));
        }
        for (String status : new String[] {"pending", "running", "completed", "failed"}) {
            gauge("exporthub.files", "files of export tasks by status", status, s -> count("file." + status));
        }
        Gauge.builder("exporthub.queue.depth", this, m -> m.queueDepth())
                .description("tasks waiting in the work queue").register(registry);
    }

    private void gauge(String name, String description, String status, ToDoubleFunction<ExportMetrics> value) {
        Gauge.builder(name, this, value).description(description).tag("status", status).register(registry);
    }

    private synchronized double count(String key) {
        if (System.currentTimeMillis() - snapshotAt > SNAPSHOT_MILLIS) {
            snapshot = tasks.countsByStatus();
            snapshotAt = System.currentTimeMillis();
        }
        return snapshot.getOrDefault(key, 0L);
    }

    private double queueDepth() {
        return context.hasEndpoint(context.resolvePropertyPlaceholders(queueUri)) instanceof SedaEndpoint seda
                ? seda.getCurrentQueueSize() : Double.NaN;
    }

    /** After a target took a file: how long that took. */
    public void delivered(Exchange exchange) {
        Delivery delivery = exchange.getProperty(ExchangeProperties.DELIVERY, Delivery.class);
        Target target = exchange.getProperty(ExchangeProperties.TARGET, Target.class);
        if (registry != null && delivery != null && target != null) {
            Timer.builder("exporthub.delivery").description("time to deliver one file to one target")
                    .tag("target", target.kind()).register(registry)
                    .record(System.nanoTime() - delivery.attemptStartedNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** The retry policy's onRedelivery: one more try of a file. */
    @Override
    public void process(Exchange exchange) {
        Target target = exchange.getProperty(ExchangeProperties.TARGET, Target.class);
        if (registry != null) {
            Counter.builder("exporthub.retries").description("retries of transient delivery failures")
                    .tag("target", target == null ? "none" : target.kind()).register(registry).increment();
        }
    }
}
