package io.exporthub.observe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.sink.Sinks;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Every connector's server is reachable: DOWN names each one that is not, with the reason, and
 * comes back UP by itself when they answer again.
 */
public class ConnectorsHealthCheck extends AbstractHealthCheck {

    private final ConnectorStore connectors;
    private final Sinks sinks;

    public ConnectorsHealthCheck(ConnectorStore connectors, Sinks sinks) {
        super("exporthub", "connectors");
        this.connectors = connectors;
        this.sinks = sinks;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        List<String> down = new ArrayList<>();
        for (Connector connector : connectors.all()) {
            String problem = sinks.problem(connector);
            String label = "connector '" + connector.name() + "' (" + connector.kind().id() + ", id " + connector.id() + ")";
            builder.detail(label, problem == null ? "UP" : "DOWN: " + problem);
            if (problem != null) {
                down.add(label + ": " + problem);
            }
        }
        if (down.isEmpty()) {
            builder.up();
        } else {
            builder.message(String.join("; ", down)).down();
        }
    }
}
