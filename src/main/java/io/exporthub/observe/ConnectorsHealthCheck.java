package io.exporthub.observe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Every connector's server is reachable, as the background probes last saw it: DOWN names each one
 * that is not, with the reason, and comes back UP by itself when they answer again.
 */
public class ConnectorsHealthCheck extends AbstractHealthCheck {

    private final ConnectorWatch watch;

    public ConnectorsHealthCheck(ConnectorWatch watch) {
        super("exporthub", "connectors");
        this.watch = watch;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        List<String> down = new ArrayList<>();
        for (ConnectorWatch.Status status : watch.all()) {
            builder.detail(status.label(), status.problem() == null ? "UP" : "DOWN: " + status.problem());
            if (status.problem() != null) {
                down.add(status.label() + ": " + status.problem());
            }
        }
        if (down.isEmpty()) {
            builder.up();
        } else {
            builder.message(String.join("; ", down)).down();
        }
    }
}
