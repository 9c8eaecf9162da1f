package io.exporthub.task;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One destination of a task's files: the kind of target, the connector that reaches it, the key
 * prefix under it and the compression to apply ({@code none}, {@code gzip} or {@code zip}).
 */
public record Target(
        @JsonProperty("kind") String kind,
        @JsonProperty("connector_id") long connectorId,
        @JsonProperty("path") String path,
        @JsonProperty("compress") String compress) {

    public static final String S3 = "s3";
    public static final String LOCAL = "local";
}
