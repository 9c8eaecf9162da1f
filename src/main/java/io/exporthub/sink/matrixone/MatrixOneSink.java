package io.exporthub.sink.matrixone;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.exporthub.connector.Connector;
import io.exporthub.connector.JdbcAddress;
import io.exporthub.sink.Sink;
import io.exporthub.task.Target;

/**
 * A MatrixOne (or MySQL) table as a sink: which database failures are worth another try, and the
 * driver's own words for them.
 */
public class MatrixOneSink implements Sink {

    // access denied (1044, 1045, 1142), unknown database, table or column (1049, 1146, 1054);
    // MatrixOne sends these codes with state HY000, so the code decides, not the state
    private static final Set<Integer> PERMANENT_SQL_CODES = Set.of(1044, 1045, 1049, 1054, 1142, 1146);
    // too many connections, server shutdown, lock wait timeout, deadlock, connection killed, server gone or lost
    private static final Set<Integer> TRANSIENT_SQL_CODES = Set.of(1040, 1053, 1205, 1213, 1927, 2006, 2013);
    // MatrixOne reports its transaction conflicts and internal RPC failures as error 1105 (HY000), known by their text
    private static final List<String> MATRIXONE_RETRYABLE = List.of("w-w conflict", "r-w conflict", "write conflict",
            "read conflict", "need retry", "deadlock detected", "rpc timeout", "backend closed", "no available backend",
            "can not connect to remote backend");

    private final MatrixOneConnections connections;

    public MatrixOneSink(MatrixOneConnections connections) {
        this.connections = connections;
    }

    @Override
    public String targetKind() {
        return Target.MATRIXONE;
    }

    @Override
    public String probe(Connector connector) {
        try (Connection c = connections.get(connector).getConnection(); Statement s = c.createStatement()) {
            s.execute("SELECT 1");
            return null;
        } catch (SQLException e) {
            return describe(e);
        }
    }

    @Override
    public String endpoint(Connector connector) {
        // host and port only: a URL stored before URLs were checked might hold a password
        JdbcAddress address = JdbcAddress.of(connector);
        return address.host() + ":" + address.port();
    }

    @Override
    public Boolean verdict(Throwable t) {
        return t instanceof SQLException sql ? isTransientSql(sql) : null;
    }

    @Override
    public String words(Throwable t) {
        return t instanceof SQLException sql ? describeSql(sql) : null;
    }

    /**
     * A database failure passes when the connection was lost or refused, a statement timed out, or the
     * transaction lost a deadlock, a lock wait or (MatrixOne) a write conflict; sign-in refusals, unknown
     * tables or columns and bad values do not. A pool timeout carries its last connection error, which decides.
     */
    static boolean isTransientSql(SQLException failure) {
        boolean retry = false;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState() == null ? "" : sql.getSQLState();
                if (state.startsWith("28") || state.startsWith("42") || PERMANENT_SQL_CODES.contains(sql.getErrorCode())) {
                    return false;
                }
                retry |= sql instanceof SQLTransientException || sql instanceof SQLRecoverableException
                        || state.startsWith("08") || state.startsWith("40")
                        || TRANSIENT_SQL_CODES.contains(sql.getErrorCode()) || isMatrixOneRetryable(sql.getMessage());
            }
            retry |= t instanceof IOException;
        }
        return retry;
    }

    private static boolean isMatrixOneRetryable(String message) {
        String lower = message == null ? "" : message.toLowerCase(Locale.ROOT);
        return MATRIXONE_RETRYABLE.stream().anyMatch(lower::contains);
    }

    /**
     * The driver's own error rather than the pool's wrapper around it: "the database answered 1146
     * (42S02): Table 'docs.blocks' doesn't exist", or "cannot reach the database: ..." when the
     * connection failed. Only the first line: the driver's further lines are advice about packets.
     */
    static String describeSql(SQLException failure) {
        SQLException cause = failure;
        Throwable root = failure;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                cause = sql;
            }
            root = t;
        }
        String state = cause.getSQLState() == null ? "" : cause.getSQLState();
        if (cause instanceof SQLRecoverableException || cause instanceof SQLTransientConnectionException || state.startsWith("08")) {
            String detail = root != cause && root.getMessage() != null ? " (" + firstLine(root.getMessage()) + ")" : "";
            return "cannot reach the database: " + firstLine(cause.getMessage()) + detail;
        }
        return "the database answered " + cause.getErrorCode() + (state.isEmpty() ? "" : " (" + state + ")") + ": "
                + firstLine(cause.getMessage());
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int end = message.indexOf('\n');
        return (end < 0 ? message : message.substring(0, end)).strip();
    }
}
