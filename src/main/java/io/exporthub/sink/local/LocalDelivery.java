package io.exporthub.sink.local;

import java.nio.file.Path;

import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.pipeline.Delivery;
import io.exporthub.pipeline.PermanentDeliveryException;
import io.exporthub.sink.Payloads;
import io.exporthub.task.Target;
import org.apache.camel.Exchange;

/**
 * Prepares a file for the {@code file} producer: the connector's directory (always in its workspace's
 * subtree of the local target root, by real path) and the same layout as S3,
 * {@code path/full_path[.json][.gz|.zip]}.
 */
public class LocalDelivery {

    public static final String DIRECTORY = "localDirectory";
    private static final String WHERE = "localLocation";

    private final ConnectorStore connectors;
    private final Payloads payloads;

    public LocalDelivery(ConnectorStore connectors, Payloads payloads) {
        this.connectors = connectors;
        this.payloads = payloads;
    }

    public void prepare(Exchange exchange) {
        Delivery delivery = exchange.getProperty(Delivery.PROPERTY, Delivery.class);
        Target target = exchange.getProperty(Delivery.TARGET, Target.class);
        delivery.attempt(target);
        Connector connector = connectors.get(target.connectorId());
        LocalTargetRoot root = connectors.localTargetRoot();
        Path directory;
        try {
            directory = root.directory(connector.workspaceId(), connector.setting("directory"));
        } catch (LocalTargetRoot.Refused e) {
            throw new PermanentDeliveryException("directory of connector '" + connector.name() + "': " + e.getMessage());
        }
        Payloads.Payload payload = payloads.stage(exchange, delivery, target.compress());
        String relative = (target.path().isEmpty() ? "" : target.path() + "/") + delivery.getFile().relativePath() + payload.suffix();
        Path destination;
        try {
            // checked again now, by real path: a link made inside the root since the connector was created must not lead out
            destination = root.file(connector.workspaceId(), directory, relative);
        } catch (LocalTargetRoot.Refused e) {
            throw new PermanentDeliveryException("destination '" + relative + "': " + e.getMessage());
        }
        exchange.setProperty(DIRECTORY, directory.toString());
        exchange.setProperty(WHERE, "local:" + destination);
        exchange.getMessage().setHeader(Exchange.FILE_NAME, relative);
        exchange.getMessage().setBody(payload.file().toFile());
    }

    public void delivered(Exchange exchange) {
        exchange.getProperty(Delivery.PROPERTY, Delivery.class).delivered(exchange.getProperty(WHERE, String.class));
    }
}
