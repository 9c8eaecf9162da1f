package io.exporthub.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A fresh database on the local MariaDB for a MatrixOne target (dialect {@code mysql}), with its own
 * user and password, so that the connector signs in the way it would in production. Dropped on close.
 */
public final class TargetDatabase implements AutoCloseable {

    private final String name;
    private final String user;
    private final String password;

    private TargetDatabase(String name, String user, String password) {
        this.name = name;
        this.user = user;
        this.password = password;
    }

    public static TargetDatabase create() throws SQLException {
        String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        TargetDatabase db = new TargetDatabase("mo_target_" + suffix, "mo_" + suffix, "pw-" + UUID.randomUUID());
        db.asRoot("CREATE DATABASE " + db.name + " DEFAULT CHARACTER SET utf8mb4");
        db.asRoot("CREATE USER '" + db.user + "'@'127.0.0.1' IDENTIFIED BY '" + db.password + "'");
        db.asRoot("GRANT ALL PRIVILEGES ON " + db.name + ".* TO '" + db.user + "'@'127.0.0.1'");
        return db;
    }

    public String name() {
        return name;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** Settings of a connector that reaches this database. */
    public Map<String, Object> connectorConfig() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("host", "127.0.0.1");
        config.put("port", 3306);
        config.put("user", user);
        config.put("password", password);
        config.put("dialect", "mysql");
        return config;
    }

    /** A root connection to the server, to read back what the service wrote. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(TestDatabase.MARIADB + name, "root", "");
    }

    public void asRoot(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(TestDatabase.MARIADB, "root", "");
             Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    public long count(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        asRoot("DROP DATABASE IF EXISTS " + name);
        asRoot("DROP USER IF EXISTS '" + user + "'@'127.0.0.1'");
    }
}
