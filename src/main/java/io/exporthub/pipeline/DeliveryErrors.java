package io.exporthub.pipeline;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorKind;
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
 * Decides what is worth retrying (network, timeouts, 5xx, throttling, lost database connections,
 * deadlocks and lock waits) and, in the dead-letter channel, records why a file failed in words its
 * owner can act on.
 */
public class DeliveryErrors {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryErrors.class);
    // access denied (1044, 1045, 1142), unknown database, table or column (1049, 1146, 1054);
    // MatrixOne sends these codes with state HY000, so the code decides, not the state
    private static final Set<Integer> PERMANENT_SQL_CODES = Set.of(1044, 1045, 1049, 1054, 1142, 1146);
    // too many connections, server shutdown, lock wait timeout, deadlock, connection killed, server gone or lost
    private static final Set<Integer> TRANSIENT_SQL_CODES = Set.of(1040, 1053, 1205, 1213, 1927, 2006, 2013);
    // MatrixOne reports its transaction conflicts and internal RPC failures as error 1105 (HY000), known by their text
    private static final List<String> MATRIXONE_RETRYABLE = List.of("w-w conflict", "r-w conflict", "write conflict",
            "read conflict", "need retry", "deadlock detected", "rpc timeout", "backend closed", "no available backend",
            "can not connect to remote backend");

    /** Tasks whose failures are counted for the log: the most recent ones, so that the map stays small. */
    private static final int TASKS_COUNTED = 1000;

    private final TaskStore tasks;
    private final ConnectorStore connectors;
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
    public DeliveryErrors(TaskStore tasks, ConnectorStore connectors, int loggedPerTask, int summaryEvery) {
        this.tasks = tasks;
        this.connectors = connectors;
        this.loggedPerTask = loggedPerTask;
        this.summaryEvery = Math.max(1, summaryEvery);
    }

    /** The {@code onWhen} of the retry policy. */
    public boolean isTransient(Exchange exchange) {
        // the bean call that evaluates onWhen sees the failure as the caught exception
        Throwable failure = exchange.getException() != null
                ? exchange.getException() : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        return isTransientFailure(failure);
    }

    public static boolean isTransientFailure(Throwable failure) {
        boolean network = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PermanentDeliveryException || t instanceof FileSystemException) {
                return false;
            }
            if (t instanceof TransientDeliveryException) {
                return true;
            }
            if (t instanceof SQLException sql) {
                return isTransientSql(sql);
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

    /**
     * A database failure passes when the connection was lost or refused, a statement timed out, or the
     * transaction lost a deadlock, a lock wait or (MatrixOne) a write conflict; sign-in refusals, unknown
     * tables or columns and bad values do not. A pool timeout carries its last connection error, which decides.
     */
    static boolean isTransientSql(SQLException failure) {
        boolean retry = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState() == null ? "" : sql.getSQLState();
                if (state.startsWith("28") || state.startsWith("42") || PERMANENT_SQL_CODES.contains(sql.getErrorCode())) {
                    return false;
                }
                retry |= sql instanceof SQLTransientException || sql instanceof SQLRecoverableException
                        || state.startsWith("08") || state.startsWith("40")
                        || TRANSIENT_SQL_CODES.contains(sql.getErrorCode()) || isMatrixOneRetryable(sql.getMessage());
            }
            retry |= t instanceof IOException;
        }
        return retry;
    }

    private static boolean isMatrixOneRetryable(String message) {
        String lower = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return MATRIXONE_RETRYABLE.stream().anyMatch(lower::contains);
    }

    /** The dead-letter channel: the file fails with the target, the reason and the attempts made. */
    public void markFailed(Exchange exchange) {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Delivery delivery = exchange.getProperty(Delivery.PROPERTY, Delivery.class);
        if (delivery == null) {
            LOG.error("A delivery failed before its file was known", failure);
            return;
        }
        FileWork file = delivery.getFile();
        int attempts = delivery.attempts();
        String reason = where(exchange.getProperty(Delivery.TARGET, Target.class)) + describe(failure)
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

    private String where(Target target) {
        if (target == null) {
            return "";
        }
        try {
            Connector connector = connectors.get(target.connectorId());
            String endpoint = connector.kind() == ConnectorKind.MATRIXONE
                    ? Optional.ofNullable(connector.setting("url")).orElse(connector.setting("host") + ":" + connector.setting("port"))
                    : connector.setting("endpoint");
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
            if (t instanceof SQLException sql) {
                return describeSql(sql);
            }
        }
        if (failure instanceof SdkClientException && failure.getMessage() != null) {
            // our own count of attempts follows; the SDK's (always 1, it does not retry here) would only confuse
            return failure.getMessage().replaceAll(" \\(SDK Attempt Count: \\d+\\)$", "");
        }
        return failure == null ? "unknown error" : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }

    /**
     * The driver's own error rather than the pool's wrapper around it: "the database answered 1146
     * (42S02): Table 'docs.blocks' doesn't exist", or "cannot reach the database: ..." when the
     * connection failed. Only the first line: the driver's further lines are advice about packets.
     */
    static String describeSql(SQLException failure) {
        SQLException cause = failure;
        Throwable root = failure;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                cause = sql;
            }
            root = t;
        }
        String state = cause.getSQLState() == null ? "" : cause.getSQLState();
        if (cause instanceof SQLRecoverableException || cause instanceof SQLTransientConnectionException || state.startsWith("08")) {
            String detail = root != cause && root.getMessage() != null ? " (" + firstLine(root.getMessage()) + ")" : "";
            return "cannot reach the database: " + firstLine(cause.getMessage()) + detail;
        }
        return "the database answered " + cause.getErrorCode() + (state.isEmpty() ? "" : " (" + state + ")") + ": "
                + firstLine(cause.getMessage());
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int end = message.indexOf('\n');
        return (end < 0 ? message : message.substring(0, end)).strip();
    }
}
