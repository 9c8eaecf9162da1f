package io.exporthub.sink.matrixone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;

import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;

/**
 * Which database failures are retried and how a failed file describes them, with the exceptions
 * Connector/J and HikariCP raise (MySQL and MariaDB codes, and MatrixOne's, which come as 1105/HY000).
 */
class MatrixOneSinkTest {

    // classification needs no server: no connections
    static final MatrixOneSink SINK = new MatrixOneSink(null);

    static final SQLRecoverableException LINK_FAILURE = new SQLRecoverableException(
            "Communications link failure\n\nThe last packet sent successfully to the server was 0 milliseconds ago.",
            "08S01", 0, new ConnectException("Connection refused"));
    static final SQLException ACCESS_DENIED = new SQLException(
            "Access denied for user 'mo'@'localhost' (using password: YES)", "28000", 1045);

    /** What HikariCP throws when no connection could be made in time: the last failure as cause, its state copied. */
    static SQLTransientConnectionException poolTimeout(SQLException last) {
        return new SQLTransientConnectionException("exporthub-matrixone-1 - Connection is not available, request timed out after"
                + " 5000ms (total=0, active=0, idle=0, waiting=0)", last == null ? null : last.getSQLState(), last);
    }

    @Test
    void connectionLossTimeoutsDeadlocksAndConflictsAreRetried() {
        assertThat(SINK.isTransient(LINK_FAILURE)).isTrue();
        assertThat(SINK.isTransient(poolTimeout(LINK_FAILURE))).isTrue();
        assertThat(SINK.isTransient(poolTimeout(null))).as("pool exhausted").isTrue();
        assertThat(SINK.isTransient(new SQLTimeoutException("Statement cancelled due to timeout", "HY008"))).isTrue();
        assertThat(SINK.isTransient(new SQLException("Deadlock found when trying to get lock", "40001", 1213))).isTrue();
        assertThat(SINK.isTransient(new SQLException("Lock wait timeout exceeded", "HY000", 1205))).isTrue();
        assertThat(SINK.isTransient(new SQLException("Too many connections", "08004", 1040))).isTrue();
        assertThat(SINK.isTransient(new SQLException("w-w conflict", "HY000", 1105))).as("MatrixOne").isTrue();
        assertThat(SINK.isTransient(new SQLException("txn need retry in rc mode, def changed", "HY000", 1105)))
                .as("MatrixOne").isTrue();
        assertThat(SINK.isTransient(new RuntimeCamelException(new SQLException("Deadlock found", "40001", 1213))))
                .as("wrapped").isTrue();
    }

    @Test
    void refusalsUnknownNamesAndBadValuesFailAtOnce() {
        assertThat(SINK.isTransient(ACCESS_DENIED)).isFalse();
        assertThat(SINK.isTransient(poolTimeout(ACCESS_DENIED))).as("sign-in refused behind the pool").isFalse();
        assertThat(SINK.isTransient(new SQLSyntaxErrorException("Unknown column 'x' in 'field list'", "42S22", 1054)))
                .isFalse();
        assertThat(SINK.isTransient(new SQLException("no such table docs.blocks", "HY000", 1146))).as("MatrixOne")
                .isFalse();
        assertThat(SINK.isTransient(new SQLException("Data too long for column 'name' at row 1", "22001", 1406)))
                .isFalse();
        assertThat(SINK.isTransient(new SQLException("invalid input: vector dimension mismatch", "HY000", 1105)))
                .isFalse();
    }

    @Test
    void failuresReadAsTheDatabaseSaidThem() {
        assertThat(SINK.describe(poolTimeout(LINK_FAILURE)))
                .isEqualTo("cannot reach the database: Communications link failure (Connection refused)");
        assertThat(SINK.describe(poolTimeout(ACCESS_DENIED)))
                .isEqualTo("the database answered 1045 (28000): Access denied for user 'mo'@'localhost' (using password: YES)");
        assertThat(SINK.describe(poolTimeout(null))).isEqualTo("cannot reach the database: exporthub-matrixone-1 - "
                + "Connection is not available, request timed out after 5000ms (total=0, active=0, idle=0, waiting=0)");
        assertThat(SINK.describe(new RuntimeCamelException(new SQLException("no such table docs.blocks", "HY000", 1146))))
                .isEqualTo("the database answered 1146 (HY000): no such table docs.blocks");
    }
}
