package io.exporthub.adversarial;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Hostile request bodies made from a valid one: for every field (at any depth) each corpus value
 * in its place, the field left out, the field given twice; an unknown key in every object; and
 * bodies that are not a JSON object at all. Each case says which names its refusal must start with.
 */
final class Bodies {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String HOLE = "@@hostile@@";

    record Case(String field, String label, byte[] body, Probe.Expect expect) {
        String name() {
            return field + " = " + label;
        }
    }

    private Bodies() {
    }

    /** The field paths of a body, as the service writes them: {@code config.local_config.path}, {@code files[0].full_path[1]}. */
    static List<String> fields(JsonNode base, String under) {
        List<String> paths = new ArrayList<>();
        walk(base, "", paths);
        return paths.stream().filter(p -> under == null || p.equals(under) || p.startsWith(under + ".") || p.startsWith(under + "[")).toList();
    }

    private static void walk(JsonNode node, String path, List<String> paths) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String child = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                paths.add(child);
                walk(e.getValue(), child, paths);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String child = path + "[" + i + "]";
                paths.add(child);
                walk(node.get(i), child, paths);
            }
        }
    }

    /**
     * Every hostile case for one field of the body. {@code alternative}: a field whose check this
     * one feeds (host or url; include_keys and csv_customize_headers), which a refusal may name
     * instead; or null.
     */
    static List<Case> forField(JsonNode base, String field, Random random, String alternative) {
        List<Case> cases = new ArrayList<>();
        List<String> named = new ArrayList<>(List.of(field));
        if (alternative != null) {
            named.add(alternative);
        }
        for (Corpus.Value value : Corpus.sample(random)) {
            List<String> names = new ArrayList<>(named);
            if (value.breaksBody()) {
                names.add("request body");
            }
            cases.add(new Case(field, value.label(), replace(base, field, value.json()), new Probe.Expect(names, false)));
        }
        JsonNode parent = parentOf(base, field);
        String leaf = leafOf(field);
        if (parent.isObject()) {
            ObjectNode without = base.deepCopy();
            ((ObjectNode) parentOf(without, field)).remove(leaf);
            // what is then wrong may be the object the field was in (empty, or a sibling now alone)
            List<String> names = new ArrayList<>(named);
            String parentPath = field.substring(0, Math.max(0, field.length() - leaf.length() - 1));
            if (!parentPath.isEmpty()) {
                names.add(parentPath);
            }
            cases.add(new Case(field, "left out", bytes(without), new Probe.Expect(names, false)));
            byte[] original = bytes(at(base, field));
            ByteArrayOutputStream twice = new ByteArrayOutputStream();
            twice.writeBytes(original);
            twice.writeBytes((",\"" + leaf + "\":").getBytes(StandardCharsets.UTF_8));
            twice.writeBytes(original);
            cases.add(new Case(field, "given twice", replace(base, field, twice.toByteArray()), Probe.Expect.field("'" + leaf + "'")));
        }
        if (at(base, field).isObject()) {
            ObjectNode unknown = base.deepCopy();
            ((ObjectNode) at(unknown, field)).put("zz_unknown", 1);
            // the unknown key, or the object that holds it (a where condition that mixes operators and fields)
            cases.add(new Case(field, "unknown key", bytes(unknown), Probe.Expect.field(field)));
        }
        return cases;
    }

    /** Bodies that are not the expected object at all, and an unknown key at the top. */
    static List<Case> wholeBody(JsonNode base, int maxBodyBytes) {
        List<Case> cases = new ArrayList<>();
        Probe.Expect body = Probe.Expect.field("request body");
        String valid = new String(bytes(base), StandardCharsets.UTF_8);
        for (String[] c : new String[][] {
                {"empty", ""}, {"blank", "  \n "}, {"null", "null"}, {"array", "[1,2]"}, {"string", "\"x\""}, {"number", "7"},
                {"truncated", valid.substring(0, valid.length() / 2)}, {"trailing garbage", valid + "}}"},
                {"second document", valid + valid}, {"single quotes", valid.replace('"', '\'')},
                {"comment", "/* c */" + valid}, {"nested 100", "{\"a\":".repeat(100) + "1" + "}".repeat(100)},
                {"nested 10000", "[".repeat(10_000) + "]".repeat(10_000)}}) {
            cases.add(new Case("(body)", c[0], c[1].getBytes(StandardCharsets.UTF_8), body));
        }
        ByteArrayOutputStream bom = new ByteArrayOutputStream();
        bom.writeBytes(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf});
        bom.writeBytes(bytes(base));
        cases.add(new Case("(body)", "UTF-8 BOM", bom.toByteArray(), body));
        cases.add(new Case("(body)", "UTF-16", valid.getBytes(StandardCharsets.UTF_16), body));
        cases.add(new Case("(body)", "over the size cap", ("{\"pad\":\"" + "p".repeat(maxBodyBytes + 1024) + "\"}")
                .getBytes(StandardCharsets.UTF_8), body));
        if (base.isObject()) {
            ObjectNode unknown = base.deepCopy();
            unknown.put("zz_unknown", 1);
            cases.add(new Case("(body)", "unknown key", bytes(unknown), Probe.Expect.field("zz_unknown")));
        }
        return cases;
    }

    static byte[] replace(JsonNode base, String field, byte[] json) {
        JsonNode copy = base.deepCopy();
        JsonNode parent = parentOf(copy, field);
        String leaf = leafOf(field);
        if (parent instanceof ObjectNode object) {
            object.put(leaf, HOLE);
        } else {
            ((ArrayNode) parent).set(Integer.parseInt(leaf), HOLE);
        }
        String text = new String(bytes(copy), StandardCharsets.UTF_8);
        int hole = text.indexOf("\"" + HOLE + "\"");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(text.substring(0, hole).getBytes(StandardCharsets.UTF_8));
        out.writeBytes(json);
        out.writeBytes(text.substring(hole + HOLE.length() + 2).getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** The node at a path such as {@code files[0].full_path[1]}. */
    static JsonNode at(JsonNode root, String field) {
        JsonNode node = root;
        for (String step : steps(field)) {
            node = step.startsWith("[") ? node.get(Integer.parseInt(step.substring(1, step.length() - 1))) : node.get(step);
        }
        return node;
    }

    private static JsonNode parentOf(JsonNode root, String field) {
        List<String> steps = steps(field);
        JsonNode node = root;
        for (String step : steps.subList(0, steps.size() - 1)) {
            node = step.startsWith("[") ? node.get(Integer.parseInt(step.substring(1, step.length() - 1))) : node.get(step);
        }
        return node;
    }

    private static String leafOf(String field) {
        List<String> steps = steps(field);
        String last = steps.get(steps.size() - 1);
        return last.startsWith("[") ? last.substring(1, last.length() - 1) : last;
    }

    /** {@code a.b[0].c} → a, b, [0], c. Keys holding dots or brackets do not occur in the bases. */
    private static List<String> steps(String field) {
        List<String> steps = new ArrayList<>();
        for (String part : field.split("\\.")) {
            int bracket = part.indexOf('[');
            if (bracket < 0) {
                steps.add(part);
                continue;
            }
            if (bracket > 0) {
                steps.add(part.substring(0, bracket));
            }
            for (String index : part.substring(bracket).split("(?=\\[)")) {
                steps.add(index);
            }
        }
        return steps;
    }

    static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
