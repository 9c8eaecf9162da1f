package io.exporthub.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/** A fresh, empty store database for one test: an H2 file, or a new database on the local MariaDB. */
public final class TestDatabase implements AutoCloseable {

    public static final String MARIADB = "jdbc:mysql://127.0.0.1:3306/";

    private final String url;
    private final String user;
    private final String password;
    private final String dropName;

    private TestDatabase(String url, String user, String password, String dropName) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.dropName = dropName;
    }

    public static TestDatabase h2(Path dir) {
        return new TestDatabase("jdbc:h2:file:" + dir.resolve("store").toAbsolutePath() + ";MODE=MySQL;DATABASE_TO_LOWER=TRUE",
                "sa", "", null);
    }

    public static TestDatabase mariaDb() {
        String name = "exporthub_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(MARIADB, "root", "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("the local MariaDB (root@127.0.0.1:3306) is needed: " + e.getMessage(), e);
        }
        return new TestDatabase(MARIADB + name, "root", "", name);
    }

    public static TestDatabase of(String kind, Path dir) {
        return "mariadb".equals(kind) ? mariaDb() : h2(dir);
    }

    public Map<String, String> properties() {
        return Map.of("exporthub.db.url", url, "exporthub.db.user", user, "exporthub.db.password", password);
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    public String url() {
        return url;
    }

    @Override
    public void close() throws SQLException {
        if (dropName != null) {
            try (Connection c = DriverManager.getConnection(MARIADB, "root", "");
                 Statement s = c.createStatement()) {
                s.execute("DROP DATABASE IF EXISTS " + dropName);
            }
        }
    }
}
