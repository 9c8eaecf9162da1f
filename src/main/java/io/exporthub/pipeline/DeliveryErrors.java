package io.exporthub.pipeline;

import java.io.IOException;
import java.nio.file.FileSystemException;

import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.task.Target;
import io.exporthub.task.TaskStore;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Decides what is worth retrying (network, timeouts, 5xx, throttling) and, in the dead-letter
 * channel, records why a file failed in words its owner can act on.
 */
public class DeliveryErrors {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryErrors.class);

    private final TaskStore tasks;
    private final ConnectorStore connectors;

    public DeliveryErrors(TaskStore tasks, ConnectorStore connectors) {
        this.tasks = tasks;
        this.connectors = connectors;
    }

    /** The {@code onWhen} of the retry policy. */
    public boolean isTransient(Exchange exchange) {
        // the bean call that evaluates onWhen sees the failure as the caught exception
        Throwable failure = exchange.getException() != null
                ? exchange.getException() : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        return isTransientFailure(failure);
    }

    static boolean isTransientFailure(Throwable failure) {
        boolean network = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PermanentDeliveryException || t instanceof FileSystemException) {
                return false;
            }
            if (t instanceof TransientDeliveryException) {
                return true;
            }
            if (t instanceof SdkServiceException service) {
                return service.statusCode() >= 500 || service.statusCode() == 429 || service.statusCode() == 408
                        || service.isThrottlingException();
            }
            // the SDK wraps connection failures, resets and timeouts it could not complete
            network |= t instanceof SdkClientException || t instanceof IOException;
        }
        return network;
    }

    /** The dead-letter channel: the file fails with the target, the reason and the attempts made. */
    public void markFailed(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Delivery delivery = exchange.getProperty(Delivery.PROPERTY, Delivery.class);
        FileWork file = delivery != null ? delivery.getFile() : exchange.getMessage().getBody(FileWork.class);
        if (file == null) {
            LOG.error("A delivery failed before its file was known", failure);
            return;
        }
        int attempts = delivery != null ? delivery.attempts() : 1;
        String reason = where(exchange.getProperty(Delivery.TARGET, Target.class)) + describe(failure)
                + (attempts > 1 ? " (gave up after " + attempts + " attempts)" : "");
        LOG.warn("File {} of task {} failed: {}", file.fileId(), file.taskId(), reason);
        LOG.debug("Failure of file {}", file.fileId(), failure);
        tasks.markFailed(file, reason);
    }

    private String where(Target target) {
        if (target == null) {
            return "";
        }
        try {
            Connector connector = connectors.get(target.connectorId());
            String endpoint = connector.setting("endpoint");
            return connector.kind().id() + " target '" + connector.name() + "'"
                    + (endpoint != null && !endpoint.isBlank() ? " (" + endpoint + ")" : "") + ": ";
        } catch (RuntimeException e) {
            return target.kind() + " target: ";
        }
    }

    public static String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
                return "the store answered " + aws.statusCode() + " " + aws.awsErrorDetails().errorCode()
                        + ": " + aws.awsErrorDetails().errorMessage();
            }
            if (t instanceof PermanentDeliveryException || t instanceof TransientDeliveryException) {
                return t.getMessage();
            }
        }
        if (failure instanceof SdkClientException && failure.getMessage() != null) {
            // our own count of attempts follows; the SDK's (always 1, it does not retry here) would only confuse
            return failure.getMessage().replaceAll(" \\(SDK Attempt Count: \\d+\\)$", "");
        }
        return failure == null ? "unknown error" : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }
}
