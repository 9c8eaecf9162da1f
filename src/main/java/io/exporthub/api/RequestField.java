package io.exporthub.api;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One field of a JSON request, with its path ({@code files[3].full_path}) so that every validation
 * message names the field it is about.
 */
public record RequestField(JsonNode node, String path) {

    public static RequestField root(JsonNode node, String what) {
        RequestField root = new RequestField(node, what);
        if (!node.isObject()) {
            throw root.invalid("expected a JSON object");
        }
        return new RequestField(node, "");
    }

    public RequestField get(String name) {
        JsonNode child = node == null ? null : node.get(name);
        return new RequestField(child, path.isEmpty() ? name : path + "." + name);
    }

    public boolean present() {
        return node != null && !node.isNull();
    }

    public ApiException invalid(String problem) {
        return ApiException.badRequest(path + ": " + problem);
    }

    public String requiredText(int maxLength) {
        if (!present()) {
            throw invalid("is required");
        }
        return text(maxLength);
    }

    public String optionalText(int maxLength, String fallback) {
        return present() ? text(maxLength) : fallback;
    }

    /** One e-mail address (see {@link EmailAddress}), or the fallback when the field is absent. */
    public String optionalEmail(String fallback) {
        if (!present()) {
            return fallback;
        }
        return EmailAddress.single(text(320)).orElseThrow(() -> invalid("must be one e-mail address (a@b.example), not a list or a name"));
    }

    private String text(int maxLength) {
        if (!node.isTextual()) {
            throw invalid("must be a string");
        }
        String value = node.asText();
        if (value.isBlank()) {
            throw invalid("must not be empty");
        }
        if (value.length() > maxLength) {
            throw invalid("must be at most " + maxLength + " characters");
        }
        return value;
    }

    /** A string or an integer, as identifiers come in both forms. */
    public String optionalId(int maxLength) {
        if (!present()) {
            return null;
        }
        if (node.isIntegralNumber()) {
            return node.asText();
        }
        return text(maxLength);
    }

    public boolean requiredBoolean() {
        if (!present()) {
            throw invalid("is required");
        }
        return bool();
    }

    public boolean optionalBoolean(boolean fallback) {
        return present() ? bool() : fallback;
    }

    private boolean bool() {
        if (!node.isBoolean()) {
            throw invalid("must be true or false");
        }
        return node.booleanValue();
    }

    public int requiredInt() {
        if (!present()) {
            throw invalid("is required");
        }
        return integer(Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    public int optionalInt(int fallback, int min, int max) {
        return present() ? integer(min, max) : fallback;
    }

    private int integer(int min, int max) {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw invalid("must be an integer");
        }
        int value = node.intValue();
        if (value < min || value > max) {
            throw invalid("must be between " + min + " and " + max);
        }
        return value;
    }

    public RequestField requiredObject() {
        if (!present()) {
            throw invalid("is required");
        }
        return object();
    }

    public RequestField object() {
        if (!node.isObject()) {
            throw invalid("must be an object");
        }
        return this;
    }

    public List<RequestField> requiredArray(int min, int max) {
        if (!present()) {
            throw invalid("is required");
        }
        return array(min, max);
    }

    public List<RequestField> optionalArray(int max) {
        return present() ? array(0, max) : List.of();
    }

    private List<RequestField> array(int min, int max) {
        if (!node.isArray()) {
            throw invalid("must be an array");
        }
        if (node.size() < min) {
            throw invalid(min == 1 ? "must not be empty" : "must have at least " + min + " elements");
        }
        if (node.size() > max) {
            throw invalid("must have at most " + max + " elements");
        }
        List<RequestField> items = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            items.add(new RequestField(node.get(i), path + "[" + i + "]"));
        }
        return items;
    }

    /** Rejects keys this request does not know, so that a typo is not silently ignored. */
    public void allowOnly(String... names) {
        List<String> allowed = List.of(names);
        node.fieldNames().forEachRemaining(name -> {
            if (!allowed.contains(name)) {
                throw get(name).invalid("unknown field (expected one of " + String.join(", ", allowed) + ")");
            }
        });
    }
}
