package io.exporthub.sink.matrixone;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.exporthub.ExchangeProperties;
import io.exporthub.api.ApiException;
import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.pipeline.Delivery;
import io.exporthub.pipeline.PermanentDeliveryException;
import io.exporthub.store.Database;
import io.exporthub.task.NewTask;
import io.exporthub.task.Target;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The table side of a MatrixOne target. At create, an existing table must have every column the
 * task writes (a 400 names the missing one); before a task's first file, the table is created
 * ({@code new_table}) or checked again, once per task, because it may have changed since.
 */
public class MatrixOneTables {

    private static final Logger LOG = LoggerFactory.getLogger(MatrixOneTables.class);
    private static final int REMEMBERED = 10_000;

    private final ConnectorStore connectors;
    private final MatrixOneConnections connections;
    // tasks whose table is known to be ready, so that each file does not ask again
    private final Set<String> ready = Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    }));
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    public MatrixOneTables(ConnectorStore connectors, MatrixOneConnections connections) {
        this.connectors = connectors;
        this.connections = connections;
    }

    /**
     * The create call's check, before the task is stored: a missing database, a missing table without
     * {@code new_table}, or a missing column is a 400. A server that cannot be reached now is not the
     * request's fault: the task is accepted and its first file makes the same check.
     */
    public void check(@Body NewTask task) {
        for (Target target : task.targets()) {
            if (!Target.MATRIXONE.equals(target.kind())) {
                continue;
            }
            Connector connector = connectors.get(target.connectorId());
            TableTarget table = TableTarget.of(target.options());
            MatrixOneSql sql = new MatrixOneSql(Dialect.of(connector));
            try (Connection c = connections.get(connector).getConnection()) {
                try {
                    Problem problem = problem(c, sql, table);
                    if (problem != null) {
                        throw ApiException.badRequest(problem.field() + ": " + problem.message());
                    }
                } finally {
                    endReadOnly(c);
                }
            } catch (SQLException e) {
                if (MatrixOneSink.isTransientSql(e)) {
                    LOG.warn("Could not check table {} of connector '{}' before the task ({}); its first file will",
                            table.qualifiedName(), connector.name(), MatrixOneSink.describeSql(e));
                    continue;
                }
                throw ApiException.badRequest("config.mo_config: connector '" + connector.name() + "': " + MatrixOneSink.describeSql(e));
            }
        }
    }

    /**
     * Before a file's rows are written: creates the table of a {@code new_table} target if it is
     * absent (a MatrixOne vector column takes the dimension of this file's first embedding), then
     * checks that it has every column. Once per task and table; concurrent files wait for the first.
     */
    public void ensure(Exchange exchange) throws SQLException {
        Delivery delivery = exchange.getProperty(ExchangeProperties.DELIVERY, Delivery.class);
        Target target = exchange.getProperty(ExchangeProperties.TARGET, Target.class);
        TableTarget table = exchange.getProperty(ExchangeProperties.MATRIXONE_TABLE, TableTarget.class);
        BlockRows rows = exchange.getMessage().getBody(BlockRows.class);
        String key = delivery.getFile().taskId() + "|" + target.connectorId() + "|" + table.qualifiedName();
        if (ready.contains(key)) {
            return;
        }
        synchronized (locks.computeIfAbsent(key, k -> new Object())) {
            try {
                if (ready.contains(key)) {
                    return;
                }
                Connector connector = connectors.get(target.connectorId());
                MatrixOneSql sql = new MatrixOneSql(Dialect.of(connector));
                try (Connection c = connections.get(connector).getConnection()) {
                    try {
                        if (table.newTable() && columns(c, sql, table).isEmpty() && databaseExists(c, sql, table)) {
                            String ddl = sql.createTable(table, rows.embeddingDimension());
                            try (Statement s = c.createStatement()) {
                                s.execute(ddl);
                            }
                            c.commit();
                            LOG.info("Created table {} for task {}: {}", table.qualifiedName(), delivery.getFile().taskId(), ddl);
                        }
                        Problem problem = problem(c, sql, table);
                        if (problem != null) {
                            throw new PermanentDeliveryException(problem.message());
                        }
                    } finally {
                        endReadOnly(c);
                    }
                }
                ready.add(key);
            } finally {
                locks.remove(key);
            }
        }
    }

    private record Problem(String field, String message) {
    }

    /** Ends the reading transaction; a connection too broken for that must not hide the problem found. */
    private static void endReadOnly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            LOG.debug("Rollback after a table check failed", e);
        }
    }

    /** What keeps the target from taking rows, or null. */
    private static Problem problem(Connection c, MatrixOneSql sql, TableTarget table) throws SQLException {
        Set<String> columns = columns(c, sql, table);
        if (columns.isEmpty()) {
            if (!databaseExists(c, sql, table)) {
                return new Problem("config.mo_config.database_name", "database '" + table.database()
                        + "' does not exist (or the connector's user cannot see it)");
            }
            if (!table.newTable()) {
                return new Problem("config.mo_config.table_name", "table " + table.qualifiedName()
                        + " does not exist; set new_table to true to create it");
            }
            return null; // made by the first file
        }
        for (TableTarget.Column column : table.columns()) {
            if (!columns.contains(column.column().toLowerCase(Locale.ROOT))) {
                String why = column.field().endsWith("mapping_column") ? "mapped from " + column.source()
                        : column.source().equals(SourceColumn.META.id()) ? "where combine_column is merged"
                        : "needed by duplicated_strategy " + table.strategy() + " to find a file's rows";
                return new Problem(column.field(), "table " + table.qualifiedName() + " has no column '"
                        + column.column() + "' (" + why + ")");
            }
        }
        return null;
    }

    /** The table's column names in lower case; empty when there is no such table. */
    private static Set<String> columns(Connection c, MatrixOneSql sql, TableTarget table) throws SQLException {
        List<String[]> found = Database.query(c, sql.tableColumns(),
                rs -> new String[] {rs.getString(1), rs.getString(2).toLowerCase(Locale.ROOT)}, table.database(), table.table());
        // names differing only in case are two tables on a case-sensitive MySQL: prefer the exact one
        boolean exact = found.stream().anyMatch(row -> row[0].equals(table.table()));
        Set<String> columns = new HashSet<>();
        for (String[] row : found) {
            if (!exact || row[0].equals(table.table())) {
                columns.add(row[1]);
            }
        }
        return columns;
    }

    private static boolean databaseExists(Connection c, MatrixOneSql sql, TableTarget table) throws SQLException {
        return !Database.query(c, sql.databaseExists(), rs -> rs.getString(1), table.database()).isEmpty();
    }
}
