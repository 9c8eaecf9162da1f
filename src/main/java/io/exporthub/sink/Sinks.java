package io.exporthub.sink;

import java.util.List;

import io.exporthub.ExchangeProperties;
import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorKind;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.store.StoreException;
import io.exporthub.task.Target;
import org.apache.camel.Exchange;

/** The sinks by kind: which one judges a failed delivery, describes it, or probes a connector. */
public class Sinks {

    /** Failures before any target was tried (reading the source): only our own exceptions and I/O are known. */
    private static final Sink NONE = new Sink() {
        @Override
        public String targetKind() {
            return "";
        }

        @Override
        public String probe(Connector connector) {
            return null;
        }
    };

    private final List<Sink> sinks;
    private final ConnectorStore connectors;

    public Sinks(ConnectorStore connectors, List<Sink> sinks) {
        this.connectors = connectors;
        this.sinks = List.copyOf(sinks);
    }

    /** The {@code onWhen} of the retry policy: the failed target's sink decides. */
    public boolean isTransient(Exchange exchange) {
        // the bean call that evaluates onWhen sees the failure as the caught exception
        Throwable failure = exchange.getException() != null
                ? exchange.getException() : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StoreException) {
                // our own database briefly unreachable while the file moved on: tried again, as run-task does
                return true;
            }
        }
        return of(exchange.getProperty(ExchangeProperties.TARGET, Target.class)).isTransient(failure);
    }

    /** Why a delivery to the target failed: "s3 target 'name' (endpoint): what went wrong". */
    public String reason(Target target, Throwable failure) {
        Sink sink = of(target);
        return where(sink, target) + sink.describe(failure);
    }

    /** Health: null when the connector's server answers, else the reason it does not. */
    public String problem(Connector connector) {
        try {
            return of(targetKind(connector.kind())).probe(connector);
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    private Sink of(Target target) {
        return target == null ? NONE : of(target.kind());
    }

    private Sink of(String targetKind) {
        return sinks.stream().filter(s -> s.targetKind().equals(targetKind)).findFirst().orElse(NONE);
    }

    private static String targetKind(ConnectorKind kind) {
        return switch (kind) {
            case S3, OSS -> Target.S3;
            case LOCAL -> Target.LOCAL;
            case MATRIXONE -> Target.MATRIXONE;
            case DIFY -> Target.DIFY;
        };
    }

    private String where(Sink sink, Target target) {
        if (target == null) {
            return "";
        }
        try {
            Connector connector = connectors.get(target.connectorId());
            String endpoint = sink.endpoint(connector);
            return connector.kind().id() + " target '" + connector.name() + "'"
                    + (endpoint != null && !endpoint.isBlank() ? " (" + endpoint + ")" : "") + ": ";
        } catch (RuntimeException e) {
            return target.kind() + " target: ";
        }
    }
}
