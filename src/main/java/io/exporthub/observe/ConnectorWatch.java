package io.exporthub.observe;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.sink.Sinks;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.camel.util.concurrent.ThreadPoolRejectedPolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every connector's server probed in the background, in parallel and each within a time limit, so
 * that health answers at once from the last round instead of calling each server on request (eleven
 * unreachable connectors once made one health request take a minute).
 */
public class ConnectorWatch extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectorWatch.class);

    /** A connector as last probed; {@code problem} is null when its server answered. */
    public record Status(Connector connector, String problem) {
        public String label() {
            return "connector '" + connector.name() + "' (" + connector.kind().id() + ", id " + connector.id() + ")";
        }
    }

    private final CamelContext context;
    private final ConnectorStore connectors;
    private final Sinks sinks;
    private final Duration interval;
    private final Duration timeout;
    private final int threads;
    private static final int QUEUE = 10_000;

    private volatile Map<Long, Status> last = Map.of();
    /** Probes started and not yet seen done; touched by the rounds' thread only. */
    private final Map<Long, Future<String>> inFlight = new HashMap<>();
    private ScheduledExecutorService rounds;
    private ExecutorService pool;

    public ConnectorWatch(CamelContext context, ConnectorStore connectors, Sinks sinks,
                          Duration interval, Duration timeout, int threads) {
        this.context = context;
        this.connectors = connectors;
        this.sinks = sinks;
        this.interval = interval;
        this.timeout = timeout;
        this.threads = threads;
    }

    /** The last round's answers; a connector made since then is not in it yet. */
    public List<Status> all() {
        return List.copyOf(last.values());
    }

    public List<Status> inWorkspace(long workspaceId) {
        return last.values().stream().filter(s -> s.connector().workspaceId() == workspaceId).toList();
    }

    @Override
    protected void doStart() {
        ThreadPoolProfile profile = new ThreadPoolProfile("exporthub-connector-probes");
        profile.setPoolSize(threads);
        profile.setMaxPoolSize(threads);
        profile.setMaxQueueSize(QUEUE);
        // never CallerRuns: the round's own thread must not wait out a probe
        profile.setRejectedPolicy(ThreadPoolRejectedPolicy.Abort);
        pool = context.getExecutorServiceManager().newThreadPool(this, "connector-probe", profile);
        rounds = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "connector-probes");
        rounds.scheduleWithFixedDelay(this::round, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() {
        context.getExecutorServiceManager().shutdownNow(rounds);
        context.getExecutorServiceManager().shutdownNow(pool);
    }

    private void round() {
        try {
            Map<Connector, Future<String>> probing = new LinkedHashMap<>();
            for (Connector connector : connectors.all()) {
                // A probe still blocked in I/O from an earlier round (interrupts do not reach it) is waited
                // on again instead of starting another: one thread at most per unreachable connector.
                Future<String> probe = inFlight.get(connector.id());
                if (probe == null || probe.isDone()) {
                    probe = submit(connector);
                    inFlight.put(connector.id(), probe);
                }
                probing.put(connector, probe);
            }
            inFlight.keySet().retainAll(probing.keySet().stream().map(Connector::id).toList());
            long deadline = System.nanoTime() + timeout.toNanos();
            Map<Long, Status> results = new LinkedHashMap<>();
            for (Map.Entry<Connector, Future<String>> probe : probing.entrySet()) {
                results.put(probe.getKey().id(), new Status(probe.getKey(), await(probe.getValue(), deadline)));
            }
            last = results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the store may be down: its own check says so; keep the last answers and try again next round
            LOG.warn("Could not probe the connectors: {}", e.toString());
        }
    }

    private Future<String> submit(Connector connector) {
        try {
            return pool.submit(() -> sinks.problem(connector));
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture("not probed: every probe thread is busy");
        }
    }

    private String await(Future<String> probe, long deadline) throws InterruptedException {
        try {
            return probe.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return "no answer within " + timeout.toMillis() + " ms";
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        }
    }
}
