package io.exporthub.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;

import io.exporthub.ExchangeProperties;
import io.exporthub.sink.Sinks;
import io.exporthub.task.Target;
import io.exporthub.task.TaskStore;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dead-letter channel: records why a file failed, in words its owner can act on. Whether a
 * failure was worth retrying, and its words, are the failed target's sink's to say ({@link Sinks}).
 */
public class DeliveryErrors {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryErrors.class);

    /** Tasks whose failures are counted for the log: the most recent ones, so that the map stays small. */
    private static final int TASKS_COUNTED = 1000;

    private final TaskStore tasks;
    private final Sinks sinks;
    private final int loggedPerTask;
    private final int summaryEvery;
    /** Failed files so far per task, for the log only (the store holds the truth). */
    private final Map<String, Long> failuresByTask = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > TASKS_COUNTED;
        }
    };

    /**
     * @param loggedPerTask failures of one task logged each on a line of its own; after them, one line
     *                      every {@code summaryEvery} failures counts them (a task of 100,000 failing
     *                      files would otherwise log 100,000 lines)
     */
    public DeliveryErrors(TaskStore tasks, Sinks sinks, int loggedPerTask, int summaryEvery) {
        this.tasks = tasks;
        this.sinks = sinks;
        this.loggedPerTask = loggedPerTask;
        this.summaryEvery = Math.max(1, summaryEvery);
    }

    /** The file fails with the target, the reason and the attempts made. */
    public void markFailed(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Delivery delivery = exchange.getProperty(ExchangeProperties.DELIVERY, Delivery.class);
        if (delivery == null) {
            LOG.error("A delivery failed before its file was known", failure);
            return;
        }
        FileWork file = delivery.getFile();
        int attempts = delivery.attempts();
        String reason = sinks.reason(exchange.getProperty(ExchangeProperties.TARGET, Target.class), failure)
                + (attempts > 1 ? " (gave up after " + attempts + " attempts)" : "");
        logFailure(file, reason);
        LOG.debug("Failure of file {}", file.fileId(), failure);
        tasks.markFailed(file, reason);
    }

    /** The first failures of a task in full, then a count now and then; every reason is in the store. */
    private void logFailure(FileWork file, String reason) {
        long failed;
        synchronized (failuresByTask) {
            failed = failuresByTask.merge(file.taskId(), 1L, Long::sum);
        }
        if (failed <= loggedPerTask) {
            LOG.warn("File {} of task {} failed: {}{}", file.fileId(), file.taskId(), reason,
                    failed == loggedPerTask ? " (further failures of this task are counted, not logged one by one)" : "");
        } else if ((failed - loggedPerTask) % summaryEvery == 0) {
            LOG.warn("Task {}: {} files failed so far (the latest, {}: {}); the task's files list every reason",
                    file.taskId(), failed, file.fileId(), reason);
        }
    }
}
