package io.exporthub.sink;

import java.io.IOException;
import java.nio.file.FileSystemException;

import io.exporthub.connector.Connector;
import io.exporthub.pipeline.PermanentDeliveryException;
import io.exporthub.pipeline.TransientDeliveryException;

/**
 * What every kind of target tells the pipeline besides delivering (which its route does): whether
 * a failure is worth another try, how to say it to the file's owner, where it delivers, and whether
 * its server can be reached now. The pipeline asks the sink of the failed target
 * ({@link Sinks}); a sink knows only its own client's exceptions.
 *
 * <p>A failure is walked from the outermost exception to its root: our own
 * {@link PermanentDeliveryException} and {@link TransientDeliveryException} decide at once, then the
 * sink's {@link #verdict}; a network failure anywhere is retried unless something deeper decides.
 */
public interface Sink {

    /** The {@code Target.kind()} this sink delivers (s3, local, matrixone, dify). */
    String targetKind();

    /** Null when the connector's server can be reached now, else the reason it cannot. */
    String probe(Connector connector);

    /** Where the connector points, shown beside a failure (null: nothing worth showing). */
    default String endpoint(Connector connector) {
        return connector.setting("endpoint");
    }

    /** This sink's verdict on one exception of a failure's chain: true retry, false give up, null look deeper. */
    default Boolean verdict(Throwable t) {
        return null;
    }

    /** Whether this exception says the server could not be reached (retried unless a deeper cause decides). */
    default boolean isUnreachable(Throwable t) {
        return t instanceof IOException;
    }

    /** This sink's words for one exception of a failure's chain, or null when it has none. */
    default String words(Throwable t) {
        return null;
    }

    /** Words for the whole failure when no exception of its chain had any (null: the exception's own). */
    default String lastWords(Throwable failure) {
        return null;
    }

    /** The {@code onWhen} of the retry policy: network, timeouts, throttling, lost connections... */
    default boolean isTransient(Throwable failure) {
        boolean unreachable = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PermanentDeliveryException || t instanceof FileSystemException) {
                return false;
            }
            if (t instanceof TransientDeliveryException) {
                return true;
            }
            Boolean verdict = verdict(t);
            if (verdict != null) {
                return verdict;
            }
            unreachable |= isUnreachable(t);
        }
        return unreachable;
    }

    /** The failure in words its owner can act on. */
    default String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PermanentDeliveryException || t instanceof TransientDeliveryException) {
                return t.getMessage();
            }
            String words = words(t);
            if (words != null) {
                return words;
            }
        }
        String last = failure == null ? null : lastWords(failure);
        if (last != null) {
            return last;
        }
        return failure == null ? "unknown error" : failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }
}
