package io.exporthub.minapp;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The MinApp field types. Scalars get typed columns (SQL filters and orders them); the rest is JSON text. */
public enum FieldType {
    STRING, INTEGER, NUMBER, BOOLEAN, DATE, ARRAY, OBJECT, GEOJSON, FILE, REFERENCE;

    public String id() {
        return name().toLowerCase();
    }

    public static Optional<FieldType> of(String id) {
        return Arrays.stream(values()).filter(t -> t.id().equals(id)).findFirst();
    }

    public static String ids() {
        return Arrays.stream(values()).map(FieldType::id).collect(Collectors.joining(", "));
    }

    /** Stored as JSON text: SQL can only tell whether it is there. */
    public boolean json() {
        return this == ARRAY || this == OBJECT || this == GEOJSON || this == FILE;
    }

    /** The types order_by accepts. */
    public boolean orderable() {
        return this == BOOLEAN || this == DATE || this == INTEGER || this == NUMBER || this == STRING;
    }
}
