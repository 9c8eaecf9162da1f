package io.exporthub.observe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorStore;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Every connector's server is reachable: DOWN names each one that is not, with the reason, and
 * comes back UP by itself when they answer again.
 */
public class ConnectorsHealthCheck extends AbstractHealthCheck {

    private final ConnectorStore connectors;
    private final ConnectorProbes probes;

    public ConnectorsHealthCheck(ConnectorStore connectors, ConnectorProbes probes) {
        super("exporthub", "connectors");
        this.connectors = connectors;
        this.probes = probes;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        List<String> down = new ArrayList<>();
        for (Connector connector : connectors.all()) {
            String problem = probes.problem(connector);
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
