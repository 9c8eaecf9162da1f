package io.exporthub.sink.dify;

import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.api.Json;

/**
 * A call to Dify that did not succeed: the HTTP status (0 when nothing came back), Dify's error
 * {@code code} and {@code message}, whether a retry may help, and a reading of the answer that
 * the file's owner can act on.
 */
public class DifyException extends RuntimeException {

    private final String operation;
    private final int status;
    private final String code;
    private final String difyMessage;
    private final boolean transientFailure;

    DifyException(String operation, int status, String code, String difyMessage, boolean transientFailure, String description,
                  Throwable cause) {
        super(description, cause);
        this.operation = operation;
        this.status = status;
        this.code = code;
        this.difyMessage = difyMessage;
        this.transientFailure = transientFailure;
    }

    /** Nothing came back: refused connection, reset, timeout. Worth another try. */
    static DifyException noAnswer(String operation, String what, Throwable cause) {
        return new DifyException(operation, 0, null, null, true, operation + ": " + what, cause);
    }

    /** Reads an answer outside 2xx: Dify's envelope {@code {code, message, status}}, or whatever a proxy said. */
    static DifyException answered(String operation, int status, String contentType, String body) {
        JsonNode envelope = envelope(contentType, body);
        boolean transientFailure = status >= 500 || status == 429 || status == 408 || isRateLimit(status, envelope);
        if (envelope == null) {
            String what = contentType == null || contentType.isBlank() ? "no content type" : contentType.split(";")[0].trim();
            return new DifyException(operation, status, null, null, transientFailure, withHint(operation + " answered " + status
                    + " (" + what + ", not Dify's JSON: a proxy or gateway in front of Dify answered)", hint(operation, status, null, null)), null);
        }
        String code = envelope.path("code").asText("");
        String message = envelope.path("message").asText("");
        return new DifyException(operation, status, code, message, transientFailure, withHint(operation + " answered " + status
                + (code.isEmpty() ? "" : " " + code) + ": " + (message.isBlank() ? "(no message)" : message), hint(operation, status, code, message)), null);
    }

    private static String withHint(String description, String hint) {
        if (hint.isEmpty()) {
            return description;
        }
        // Dify's messages mostly end with a full stop of their own
        return description + (description.matches("(?s).*[.!?]$") ? " " : ". ") + hint;
    }

    /**
     * Dify Cloud answers its plan's rate limit with a 403 ({@code forbidden}, "...knowledge base
     * request rate limit..."), other servers with 429: both only mean "later".
     */
    static boolean isRateLimit(int status, JsonNode envelope) {
        if (status == 429) {
            return true;
        }
        return status == 403 && envelope != null
                && envelope.path("message").asText("").toLowerCase(Locale.ROOT).contains("request rate limit");
    }

    static JsonNode envelope(String contentType, String body) {
        if (body == null || body.isBlank() || contentType == null || !contentType.toLowerCase(Locale.ROOT).contains("json")) {
            return null;
        }
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            return node.isObject() ? node : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** What Dify's terse answers usually mean, for the quirks its documentation does not spell out. */
    private static String hint(String operation, int status, String code, String message) {
        boolean upload = operation.endsWith("-by-file");
        if (status == 413 || "file_too_large".equals(code)) {
            return code == null
                    ? "The file is larger than the proxy in front of Dify accepts (nginx client_max_body_size); raise that limit or send a smaller file"
                    : "The file is larger than Dify accepts (UPLOAD_FILE_SIZE_LIMIT, 15 MB by default)";
        }
        if (status == 415 || "unsupported_file_type".equals(code)) {
            return "Dify does not take files of this type into a knowledge base";
        }
        if (upload && status == 400 && message != null && message.isBlank()) {
            return "Dify gives no reason when the file's type is not supported or the file is larger than its upload limit"
                    + " (UPLOAD_FILE_SIZE_LIMIT, 15 MB by default)";
        }
        if (status == 401) {
            return "Check the connector's api_key: it must be a knowledge base (dataset) API key of this Dify";
        }
        if (status == 404 && message != null && message.toLowerCase(Locale.ROOT).contains("dataset")) {
            return "Check dify_config.dataset_id and that the connector's key belongs to the dataset's workspace";
        }
        return "";
    }

    public String operation() {
        return operation;
    }

    /** The HTTP status, or 0 when Dify did not answer. */
    public int status() {
        return status;
    }

    /** Dify's error code ({@code invalid_param}, {@code not_found}...), null when the answer was not Dify's JSON. */
    public String code() {
        return code;
    }

    public String difyMessage() {
        return difyMessage;
    }

    public boolean isTransient() {
        return transientFailure;
    }
}
