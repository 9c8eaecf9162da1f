package io.exporthub.sink.matrixone;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import io.exporthub.ExchangeProperties;
import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.pipeline.Delivery;
import io.exporthub.pipeline.PermanentDeliveryException;
import io.exporthub.task.Target;
import org.apache.camel.Exchange;

/**
 * Writes a processing result's rows into a MatrixOne (or MySQL/MariaDB) table. The route reads the
 * rows ({@link #prepare}), has the table made ready, and picks the duplicate strategy; each strategy
 * here is one transaction per file, so that a file's rows are all there or none are.
 */
public class MatrixOneWriter {


    private final ConnectorStore connectors;
    private final MatrixOneConnections connections;
    private final int batchRows;
    private final long batchBytes;

    public MatrixOneWriter(ConnectorStore connectors, MatrixOneConnections connections, int batchRows, long batchBytes) {
        this.connectors = connectors;
        this.connections = connections;
        this.batchRows = batchRows;
        this.batchBytes = batchBytes;
    }

    /** The file's rows into the body, the table into {@value #ExchangeProperties.MATRIXONE_TABLE}. Only processing results have blocks. */
    public void prepare(Exchange exchange) {
        Delivery delivery = exchange.getProperty(ExchangeProperties.DELIVERY, Delivery.class);
        Target target = exchange.getProperty(ExchangeProperties.TARGET, Target.class);
        delivery.attempt(target);
        if (delivery.getFile().raw()) {
            throw new PermanentDeliveryException("only processing results can be exported to MatrixOne (is_raw must be false)");
        }
        TableTarget table = TableTarget.of(target.options());
        Connector connector = connectors.get(target.connectorId());
        exchange.setProperty(ExchangeProperties.MATRIXONE_TABLE, table);
        exchange.setProperty(ExchangeProperties.LOCATION, connector.kind().id() + " table " + table.qualifiedName());
        exchange.getMessage().setBody(BlockRows.read(delivery.getSource(), delivery.getFile(), delivery.isMergeTitles(),
                table, BlockRows.utcNow()));
    }

    /** duplicated_strategy 1: the file's rows are deleted, then its rows inserted. */
    public void overwrite(Exchange exchange) throws SQLException {
        write(exchange, (c, sql, table, file, rows) -> {
            int replaced;
            try (PreparedStatement delete = c.prepareStatement(sql.deleteFile(table))) {
                delete.setString(1, file);
                replaced = delete.executeUpdate();
            }
            insert(c, sql, table, rows.rows());
            return rows.rows().size() + " rows" + (replaced > 0 ? ", replacing " + replaced : "");
        });
    }

    /** duplicated_strategy 2: nothing is written when the table already holds rows of the file. */
    public void skipExisting(Exchange exchange) throws SQLException {
        write(exchange, (c, sql, table, file, rows) -> {
            try (PreparedStatement exists = c.prepareStatement(sql.fileExists(table))) {
                exists.setString(1, file);
                try (ResultSet rs = exists.executeQuery()) {
                    if (rs.next()) {
                        return "skipped: the table already holds rows of file '" + file + "' (duplicated_strategy 2)";
                    }
                }
            }
            insert(c, sql, table, rows.rows());
            return rows.rows().size() + " rows";
        });
    }

    /** duplicated_strategy 3: plain insert, whatever the table holds. */
    public void append(Exchange exchange) throws SQLException {
        write(exchange, (c, sql, table, file, rows) -> {
            insert(c, sql, table, rows.rows());
            return rows.rows().size() + " rows";
        });
    }

    public void delivered(Exchange exchange) {
        exchange.getProperty(ExchangeProperties.DELIVERY, Delivery.class).delivered(exchange.getProperty(ExchangeProperties.LOCATION, String.class));
    }

    @FunctionalInterface
    private interface FileWrite {
        String run(Connection c, MatrixOneSql sql, TableTarget table, String fileId, BlockRows rows) throws SQLException;
    }

    private void write(Exchange exchange, FileWrite work) throws SQLException {
        Delivery delivery = exchange.getProperty(ExchangeProperties.DELIVERY, Delivery.class);
        Target target = exchange.getProperty(ExchangeProperties.TARGET, Target.class);
        TableTarget table = exchange.getProperty(ExchangeProperties.MATRIXONE_TABLE, TableTarget.class);
        BlockRows rows = exchange.getMessage().getBody(BlockRows.class);
        Connector connector = connectors.get(target.connectorId());
        MatrixOneSql sql = new MatrixOneSql(Dialect.of(connector));
        String outcome;
        try (Connection c = connections.get(connector).getConnection()) {
            try {
                outcome = work.run(c, sql, table, delivery.getFile().fileId(), rows);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            }
        }
        exchange.setProperty(ExchangeProperties.LOCATION, exchange.getProperty(ExchangeProperties.LOCATION, String.class) + " (" + outcome + ")");
    }

    /**
     * Multi-row INSERTs of at most {@code batchRows} rows and about {@code batchBytes} bytes each, so
     * that a statement stays under the server's packet limit whatever the blocks hold.
     */
    private void insert(Connection c, MatrixOneSql sql, TableTarget table, List<Object[]> rows) throws SQLException {
        int columns = table.columns().size();
        // MySQL's protocol allows at most 65535 placeholders in one statement
        int maxRows = Math.max(1, Math.min(batchRows, 65_535 / columns));
        int from = 0;
        while (from < rows.size()) {
            int to = from;
            long bytes = 0;
            while (to < rows.size() && to - from < maxRows && (to == from || bytes < batchBytes)) {
                for (Object value : rows.get(to)) {
                    bytes += value instanceof String s ? s.length() : 8;
                }
                to++;
            }
            try (PreparedStatement insert = c.prepareStatement(sql.insert(table, to - from))) {
                int index = 1;
                for (int r = from; r < to; r++) {
                    for (Object value : rows.get(r)) {
                        insert.setObject(index++, value);
                    }
                }
                insert.executeUpdate();
            }
            from = to;
        }
    }

    private static void rollbackQuietly(Connection c, Exception failure) {
        try {
            c.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }
}
