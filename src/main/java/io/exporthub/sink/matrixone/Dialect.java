package io.exporthub.sink.matrixone;

import io.exporthub.connector.Connector;

/** The SQL flavour of a MatrixOne connector: {@code matrixone} (the default) or {@code mysql} for MySQL/MariaDB. */
public enum Dialect {
    MATRIXONE, MYSQL;

    public static Dialect of(Connector connector) {
        return "mysql".equals(connector.setting("dialect")) ? MYSQL : MATRIXONE;
    }
}
