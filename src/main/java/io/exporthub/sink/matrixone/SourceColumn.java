package io.exporthub.sink.matrixone;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The columns a processing result offers, one row per block, and the type each gets in a new table
 * on MatrixOne and on MySQL/MariaDB. The embedding's MatrixOne type depends on its dimension.
 */
public enum SourceColumn {
    FILE_ID("file_id", "VARCHAR(256)", "VARCHAR(256)"),
    FILE_NAME("file_name", "VARCHAR(1024)", "VARCHAR(1024)"),
    BLOCK_ID("block_id", "VARCHAR(256)", "VARCHAR(256)"),
    BLOCK_NO("block_no", "INT", "INT"),
    BLOCK_TYPE("block_type", "VARCHAR(128)", "VARCHAR(128)"),
    BLOCK_LEVEL("block_level", "VARCHAR(128)", "VARCHAR(128)"),
    PAGE_NO("page_no", "INT", "INT"),
    CONTENT("content", "TEXT", "LONGTEXT"),
    TITLE("title", "TEXT", "LONGTEXT"),
    EMBEDDING("embedding", null, "JSON"),
    IMAGE_DATA("image_data", "TEXT", "LONGTEXT"),
    CREATED_AT("created_at", "DATETIME(3)", "DATETIME(3)"),
    UPDATED_AT("updated_at", "DATETIME(3)", "DATETIME(3)"),
    META("meta", "JSON", "JSON");

    private final String id;
    private final String matrixOneType;
    private final String mysqlType;

    SourceColumn(String id, String matrixOneType, String mysqlType) {
        this.id = id;
        this.matrixOneType = matrixOneType;
        this.mysqlType = mysqlType;
    }

    public String id() {
        return id;
    }

    /**
     * The column type of a new table. A MatrixOne vector column needs its dimension, known from the
     * first embedding of the file that creates the table; without one the vectors are kept as text.
     */
    public String type(Dialect dialect, Integer embeddingDimension) {
        if (dialect == Dialect.MYSQL) {
            return mysqlType;
        }
        if (this == EMBEDDING) {
            return embeddingDimension == null ? "TEXT" : "vecf32(" + embeddingDimension + ")";
        }
        return matrixOneType;
    }

    public static Optional<SourceColumn> of(String id) {
        return Arrays.stream(values()).filter(c -> c.id.equals(id)).findFirst();
    }

    public static String ids() {
        return Arrays.stream(values()).map(SourceColumn::id).collect(Collectors.joining(", "));
    }
}
