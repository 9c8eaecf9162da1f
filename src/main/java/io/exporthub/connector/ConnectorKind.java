package io.exporthub.connector;

import java.util.List;
import java.util.Optional;

/**
 * Every kind of connector and, in one place, the settings it takes: name, whether it is required
 * or secret, its default and what it means. Secrets are write-only: never answered, never logged.
 */
public enum ConnectorKind {

    DIFY("dify", List.of(
            Setting.required("api_url", "Dify API base URL, e.g. https://api.dify.ai/v1"),
            Setting.secret("api_key", "dataset API key (Bearer)"),
            Setting.optional("embedding_model_provider", null, "provider of the task's embedding_model"),
            Setting.optional("indexing_technique", "high_quality", "high_quality or economy; Dify uses it while a dataset has none yet"),
            Setting.optional("wait_for_indexing", "false", "a file completes only once Dify has indexed it"),
            Setting.optional("max_concurrency", "4", "most requests in flight to this Dify at once"))),
    S3("s3", objectStoreSettings("true")),
    OSS("oss", objectStoreSettings("false")),
    MATRIXONE("matrixone", List.of(
            Setting.optional("url", null, "JDBC URL jdbc:mysql://host:port/database?option=value, with one host, no credentials"
                    + " and only the options " + JdbcAddress.allowedOptions() + "; or host and port"),
            Setting.optional("host", null, "server host, when no url is given"),
            Setting.optional("port", "6001", "server port"),
            Setting.required("user", "database user"),
            // a database user may have no password: required, but it may be empty
            Setting.secret("password", "database password (may be empty)").emptyAllowed(),
            Setting.optional("dialect", "matrixone", "matrixone or mysql (MySQL/MariaDB servers)"))),
    LOCAL("local", List.of(
            Setting.required("directory", "directory the files are written under")));

    private final String id;
    private final List<Setting> settings;

    ConnectorKind(String id, List<Setting> settings) {
        this.id = id;
        this.settings = settings;
    }

    private static List<Setting> objectStoreSettings(String pathStyleDefault) {
        return List.of(
                Setting.optional("endpoint", null, "service URL, e.g. http://127.0.0.1:9000; empty for AWS"),
                Setting.optional("region", "us-east-1", "signing region"),
                Setting.required("bucket_name", "bucket, optionally with a key prefix: bucket/prefix"),
                Setting.required("access_key_id", "access key id"),
                Setting.secret("access_key_secret", "secret access key"),
                Setting.optional("path_style", pathStyleDefault, "path-style addressing: true for MinIO-like servers, false for OSS"),
                Setting.optional("sign_payload", "false", "over plain http, sign the bodies too (aws-chunked); false sends them UNSIGNED-PAYLOAD, as over https"));
    }

    public String id() {
        return id;
    }

    public List<Setting> settings() {
        return settings;
    }

    public static Optional<ConnectorKind> of(String id) {
        for (ConnectorKind kind : values()) {
            if (kind.id.equals(id)) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    public static String ids() {
        return String.join(", ", List.of(values()).stream().map(ConnectorKind::id).toList());
    }

    public record Setting(String name, boolean required, boolean secret, boolean mayBeEmpty, String defaultValue, String description) {
        static Setting required(String name, String description) {
            return new Setting(name, true, false, false, null, description);
        }

        static Setting secret(String name, String description) {
            return new Setting(name, true, true, false, null, description);
        }

        static Setting optional(String name, String defaultValue, String description) {
            return new Setting(name, false, false, true, defaultValue, description);
        }

        Setting emptyAllowed() {
            return new Setting(name, required, secret, true, defaultValue, description);
        }
    }
}
