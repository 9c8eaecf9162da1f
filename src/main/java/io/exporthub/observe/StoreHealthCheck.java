package io.exporthub.observe;

import java.util.Map;

import io.exporthub.store.Database;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** The service's own database answers. */
public class StoreHealthCheck extends AbstractHealthCheck {

    private final Database db;

    public StoreHealthCheck(Database db) {
        super("exporthub", "store");
        this.db = db;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        try {
            db.queryLong("SELECT 1");
            builder.up();
        } catch (RuntimeException e) {
            builder.message("the store database does not answer: " + e.getMessage()).down();
        }
    }
}
