package io.exporthub.store;

import java.sql.SQLException;

/** A database error: the store is unreachable or refused a statement. */
public class StoreException extends RuntimeException {
    public StoreException(SQLException cause) {
        super("database error: " + cause.getMessage(), cause);
    }
}
