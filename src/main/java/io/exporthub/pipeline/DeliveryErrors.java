package io.exporthub.pipeline;

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

    private final TaskStore tasks;
    private final Sinks sinks;

    public DeliveryErrors(TaskStore tasks, Sinks sinks) {
        this.tasks = tasks;
        this.sinks = sinks;
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
        LOG.warn("File {} of task {} failed: {}", file.fileId(), file.taskId(), reason);
        LOG.debug("Failure of file {}", file.fileId(), failure);
        tasks.markFailed(file, reason);
    }
}
