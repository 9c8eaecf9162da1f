package io.exporthub.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.apache.camel.Service;
import org.flywaydb.core.Flyway;

/**
 * The service's own database: a pooled DataSource, migrated on start, and the few JDBC shapes the
 * stores use. The same SQL runs on H2 (MySQL mode), MySQL, MariaDB and MatrixOne.
 */
public class Database implements Service {

    @FunctionalInterface
    public interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    @FunctionalInterface
    public interface Work<T> {
        T run(Connection connection) throws SQLException;
    }

    /**
     * Longest name of a table or column the stores take (MySQL, MariaDB and MatrixOne: 64); names that
     * come from users are checked against it up front, so that a long one is a 400, not the server's error.
     */
    public static final int MAX_IDENTIFIER = 64;

    private final HikariDataSource dataSource;

    public Database(String url, String user, String password, int poolSize) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(batched(durable(url)));
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("exporthub-store");
        if (url.startsWith("jdbc:mysql:")) {
            // the store's connections read no local file for the server (the table import's bulk load
            // takes its own connection, confined to its private directory) and deserialise nothing
            config.addDataSourceProperty("allowLoadLocalInfile", "false");
            config.addDataSourceProperty("allowUrlInLocalInfile", "false");
            config.addDataSourceProperty("autoDeserialize", "false");
        }
        this.dataSource = new HikariDataSource(config);
        Flyway.configure().dataSource(dataSource).locations("classpath:exporthub/db/migration").load().migrate();
    }

    /**
     * An H2 file store keeps commits in memory for up to WRITE_DELAY (500 ms) before writing them, so a
     * killed process forgot files it had reported completed and sent them again: commits are written at once.
     */
    static String durable(String url) {
        if (url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:mem:")
                && !url.toUpperCase(Locale.ROOT).contains(";WRITE_DELAY=")) {
            return url + ";WRITE_DELAY=0";
        }
        return url;
    }

    /**
     * Connector/J sends a batch as one multi-row INSERT only when asked: task files and table rows go in
     * batches. A result set read as it arrives (table exports read their pages so) needs no session
     * variable set around it: its reader takes every row at once, so the server never waits on it.
     */
    static String batched(String url) {
        if (url.startsWith("jdbc:mysql:") && !url.contains("rewriteBatchedStatements")) {
            url = url + (url.contains("?") ? "&" : "?") + "rewriteBatchedStatements=true";
        }
        if (url.startsWith("jdbc:mysql:") && !url.contains("netTimeoutForStreamingResults")) {
            url = url + (url.contains("?") ? "&" : "?") + "netTimeoutForStreamingResults=0";
        }
        return url;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /**
     * A connection outside the pool, to the same database as the same user, with these driver
     * properties added: for work that needs a setting no pooled connection should have. Close it.
     */
    public Connection unpooled(Map<String, String> properties) throws SQLException {
        Properties info = new Properties();
        info.putAll(dataSource.getDataSourceProperties());
        if (dataSource.getUsername() != null) {
            info.setProperty("user", dataSource.getUsername());
        }
        if (dataSource.getPassword() != null) {
            info.setProperty("password", dataSource.getPassword());
        }
        info.putAll(properties);
        return DriverManager.getConnection(dataSource.getJdbcUrl(), info);
    }

    public <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) {
        return withConnection(c -> query(c, sql, mapper, params));
    }

    public <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... params) {
        List<T> rows = query(sql, mapper, params);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    public long queryLong(String sql, Object... params) {
        return queryOne(sql, rs -> rs.getLong(1), params).orElse(0L);
    }

    public int update(String sql, Object... params) {
        return withConnection(c -> update(c, sql, params));
    }

    public long insert(String sql, Object... params) {
        return withConnection(c -> insert(c, sql, params));
    }

    public <T> T inTransaction(Work<T> work) {
        return withConnection(c -> {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
    }

    public static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                List<T> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(mapper.map(rs));
                }
                return rows;
            }
        }
    }

    public static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        }
    }

    public static long insert(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS)) {
            bind(ps, params);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                return keys.next() ? keys.getLong(1) : -1;
            }
        }
    }

    /** Reads a nullable BIGINT column. */
    public static Long nullableLong(ResultSet rs, String column) throws SQLException {
        long value = rs.getLong(column);
        return rs.wasNull() ? null : value;
    }

    /** Runs the work on a connection of the pool; an SQLException becomes a StoreException. */
    public <T> T withConnection(Work<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    public static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
    }

    @Override
    public void start() {
        // migrated and pooled on construction, so that the beans made after it can use it at once
    }

    @Override
    public void stop() {
        dataSource.close();
    }
}
