package io.exporthub.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one JSON mapper of the service: strict on input (duplicate keys, trailing data) and plain on output. */
public final class Json {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private Json() {
    }

    /** Parses a request body; malformed JSON is a 400 that says where it broke. */
    public static JsonNode parse(String body, String what) {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest(what + ": empty body, expected a JSON object");
        }
        try {
            return MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw ApiException.badRequest(what + ": malformed JSON" + where + ": " + withoutJavaNames(e.getOriginalMessage()));
        }
    }

    /**
     * Jackson names its own classes and settings in a few messages ("bound as `...JsonNode`",
     * "from `StreamReadConstraints.getMaxNestingDepth()`"); a client gets the problem, not our insides.
     */
    static String withoutJavaNames(String message) {
        String plain = message
                .replaceAll("\\s*\\(bound as `[^`]*`\\)", "")
                .replaceAll(", from `[^`]*`", "")
                .replaceAll(":? not allowed as per `[^`]*`.*", "");
        int tick = plain.indexOf('`');
        return tick < 0 ? plain : plain.substring(0, tick).trim();
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    public static JsonNode read(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored JSON is unreadable", e);
        }
    }
}
