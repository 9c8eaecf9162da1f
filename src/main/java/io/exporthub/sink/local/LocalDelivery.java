package io.exporthub.sink.local;

import java.nio.file.Files;
import java.nio.file.Path;

import io.exporthub.ExchangeProperties;
import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.pipeline.Delivery;
import io.exporthub.pipeline.PermanentDeliveryException;
import io.exporthub.sink.Payloads;
import io.exporthub.sink.Sink;
import io.exporthub.task.Target;
import org.apache.camel.Exchange;

/**
 * Prepares a file for the {@code file} producer: the connector's directory (always in its workspace's
 * subtree of the local target root, by real path) and the same layout as S3,
 * {@code path/full_path[.json][.gz|.zip]}.
 */
public class LocalDelivery implements Sink {

    private final ConnectorStore connectors;
    private final Payloads payloads;

    public LocalDelivery(ConnectorStore connectors, Payloads payloads) {
        this.connectors = connectors;
        this.payloads = payloads;
    }

    @Override
    public String targetKind() {
        return Target.LOCAL;
    }

    /** The directory, confined to its workspace's subtree, or its nearest existing parent, can be written. */
    @Override
    public String probe(Connector connector) {
        Path directory;
        try {
            directory = connectors.localTargetRoot().directory(connector.workspaceId(), connector.setting("directory"));
        } catch (LocalTargetRoot.Refused e) {
            return "directory " + e.getMessage();
        }
        Path existing = directory;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
            return "directory " + directory + " cannot be written";
        }
        return null;
    }

    public void prepare(Exchange exchange) {
        Delivery delivery = exchange.getProperty(ExchangeProperties.DELIVERY, Delivery.class);
        Target target = exchange.getProperty(ExchangeProperties.TARGET, Target.class);
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
        exchange.setProperty(ExchangeProperties.LOCAL_DIRECTORY, directory.toString());
        exchange.setProperty(ExchangeProperties.LOCATION, "local:" + destination);
        exchange.getMessage().setHeader(Exchange.FILE_NAME, relative);
        exchange.getMessage().setBody(payload.file().toFile());
    }

    public void delivered(Exchange exchange) {
        exchange.getProperty(ExchangeProperties.DELIVERY, Delivery.class).delivered(exchange.getProperty(ExchangeProperties.LOCATION, String.class));
    }
}
