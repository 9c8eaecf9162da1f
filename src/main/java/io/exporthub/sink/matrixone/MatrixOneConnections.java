package io.exporthub.sink.matrixone;

import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.connector.JdbcAddress;
import org.apache.camel.Service;

/**
 * One HikariCP pool per MatrixOne connector, made on first use and closed when the connector is
 * deleted or the service stops (which aborts statements in flight, as a killed process would).
 * Connections are handed out in manual-commit mode: every use ends in commit or rollback.
 */
public class MatrixOneConnections implements Service {

    /**
     * Driver settings given unless the connector's URL sets them: client-side prepared
     * statements and no cursor fetch (MatrixOne serves neither the way MySQL does), batched writes,
     * no redundant session round trips, and timeouts so that a dead server fails a try instead of hanging it.
     * The driver parses the text of every client-side prepared statement, which for a multi-row INSERT
     * of hundreds of rows cost as much as sending it: parsed statements are kept per connection.
     */
    static final Map<String, String> URL_DEFAULTS = Map.of(
            "useServerPrepStmts", "false",
            "useCursorFetch", "false",
            "rewriteBatchedStatements", "true",
            "useLocalSessionState", "true",
            "cachePrepStmts", "true",
            "prepStmtCacheSize", "64",
            "prepStmtCacheSqlLimit", "1048576");

    private final int poolSize;
    private final int connectTimeoutMs;
    private final int socketTimeoutMs;
    private final Map<Long, HikariDataSource> pools = new HashMap<>();
    private boolean stopped;

    public MatrixOneConnections(ConnectorStore connectors, int poolSize, int connectTimeoutMs, int socketTimeoutMs) {
        this.poolSize = poolSize;
        this.connectTimeoutMs = connectTimeoutMs;
        this.socketTimeoutMs = socketTimeoutMs;
        connectors.onDelete(this::forget);
    }

    /** The connector's pool; an SQLException once the service is stopping, so that no new work starts. */
    public synchronized DataSource get(Connector connector) throws SQLException {
        if (stopped) {
            throw new SQLException("the service is stopping", "08003");
        }
        HikariDataSource pool = pools.get(connector.id());
        if (pool == null) {
            JdbcAddress address;
            try {
                address = JdbcAddress.of(connector);
            } catch (JdbcAddress.Invalid e) {
                // a row stored before addresses were checked this strictly: never handed to the driver
                throw new SQLException("the connector's " + e.setting() + " is refused: " + e.getMessage(), "08001");
            }
            pool = new HikariDataSource(config(connector, address));
            pools.put(connector.id(), pool);
        }
        return pool;
    }

    private HikariConfig config(Connector connector, JdbcAddress address) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("exporthub-matrixone-" + connector.id());
        config.setJdbcUrl(address.url());
        config.setUsername(connector.setting("user"));
        config.setPassword(connector.setting("password"));
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(0);
        config.setAutoCommit(false);
        config.setConnectionTimeout(connectTimeoutMs);
        config.setIdleTimeout(300_000);
        // build the pool without a connection: a server that is down now fails the first try, not the service
        config.setInitializationFailTimeout(-1);
        if (Dialect.of(connector) == Dialect.MYSQL) {
            // InnoDB's repeatable read takes gap locks, so files deleting and inserting side by side deadlock;
            // MatrixOne cannot set the isolation level, and needs no change
            config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        }
        driverProperties(address, connectTimeoutMs, socketTimeoutMs).forEach(config::addDataSourceProperty);
        return config;
    }

    /**
     * Our driver defaults and timeouts, then the options the connector's URL gives, then the safety
     * settings. The URL itself carries none: it is built from checked parts, so nothing in it can
     * override these.
     */
    static Map<String, String> driverProperties(JdbcAddress address, int connectTimeoutMs, int socketTimeoutMs) {
        Map<String, String> defaults = new TreeMap<>(URL_DEFAULTS);
        defaults.put("connectTimeout", String.valueOf(connectTimeoutMs));
        defaults.put("socketTimeout", String.valueOf(socketTimeoutMs));
        return address.properties(defaults);
    }

    private synchronized void forget(Connector connector) {
        HikariDataSource pool = pools.remove(connector.id());
        if (pool != null) {
            pool.close();
        }
    }

    @Override
    public synchronized void start() {
        // pools are made on first use
        stopped = false;
    }

    @Override
    public synchronized void stop() {
        stopped = true;
        pools.values().forEach(HikariDataSource::close);
        pools.clear();
    }
}
