package io.exporthub.task;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * One destination of a task's files: the kind of target, the connector that reaches it, and for
 * object stores and directories the key prefix and the compression ({@code none}, {@code gzip} or
 * {@code zip}); targets of other kinds keep their validated settings in {@code options}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Target(
        @JsonProperty("kind") String kind,
        @JsonProperty("connector_id") long connectorId,
        @JsonProperty("path") String path,
        @JsonProperty("compress") String compress,
        @JsonProperty("options") JsonNode options) {

    public static final String S3 = "s3";
    public static final String LOCAL = "local";
    public static final String MATRIXONE = "matrixone";
    public static final String DIFY = "dify";
}
