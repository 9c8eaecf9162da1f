package io.exporthub.adversarial;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The hostile values put in place of a field: wrong types, sizes, encodings, traversal, injection
 * and formula prefixes. Fixed values are the classics; the rest come from a seeded generator, so a
 * failing case is reproduced by running with the seed it prints ({@code -Dadversarial.seed=...}).
 */
final class Corpus {

    /** Where the suite takes its seed: a fixed default keeps CI reproducible, {@code random} explores. */
    static final long SEED = seed();

    /**
     * One hostile value as raw JSON bytes (raw, because invalid UTF-8 and unescaped control
     * characters cannot be written through a JSON library). {@code breaksBody}: the value may make
     * the whole body unreadable (then the message may blame the request body instead of the field).
     */
    record Value(String category, String label, byte[] json, boolean breaksBody) {
        String text() {
            return new String(json, StandardCharsets.UTF_8);
        }
    }

    private Corpus() {
    }

    private static long seed() {
        String given = System.getProperty("adversarial.seed", "20261204");
        return given.equals("random") ? new Random().nextLong() : Long.parseLong(given);
    }

    /** {@code -Dadversarial.full=true}: every value for every field, instead of a seeded sample of each category. */
    static final boolean FULL = Boolean.getBoolean("adversarial.full");
    /** Values of each category tried on each field when not {@link #FULL}: the seed decides which. */
    private static final int PER_CATEGORY = 2;

    /**
     * The values tried on one field: the whole corpus with {@link #FULL}, else a few of each
     * category, so that the suite stays fast while each run still meets every kind of value.
     */
    static List<Value> sample(Random random) {
        List<Value> all = values(random);
        if (FULL) {
            return all;
        }
        List<Value> picked = new ArrayList<>();
        for (String category : all.stream().map(Value::category).distinct().toList()) {
            List<Value> of = new ArrayList<>(all.stream().filter(v -> v.category().equals(category)).toList());
            java.util.Collections.shuffle(of, random);
            picked.addAll(of.subList(0, Math.min(PER_CATEGORY, of.size())));
        }
        return picked;
    }

    /** Every hostile value for a JSON field, the random ones drawn from {@code random}. */
    static List<Value> values(Random random) {
        Builder b = new Builder();
        b.category = "type";
        b.json("zero", "0");
        b.json("minus one", "-1");
        b.json("fraction", "1.5");
        b.json("true", "true");
        b.json("false", "false");
        b.json("null", "null");
        b.json("empty string", "\"\"");
        b.json("blank string", "\"   \"");
        b.json("plain string", "\"x\"");
        b.json("numeric string", "\"42\"");
        b.json("empty array", "[]");
        b.json("array of numbers", "[1,2]");
        b.json("array of strings", "[\"a\",\"b\"]");
        b.json("array of null", "[null]");
        b.json("empty object", "{}");
        b.json("object", "{\"a\":1}");
        // sizes
        b.category = "size";
        b.json("long string", quoted(randomText(random, 5_000 + random.nextInt(60_000))));
        b.json("2^31", "2147483648");
        b.json("long max", "9223372036854775807");
        b.json("below long min", "-9223372036854775809");
        b.json("30 digits", "123456789012345678901234567890");
        b.json("1e400", "1e400");
        b.json("-1e-400", "-1e-400");
        b.json("NaN-like string", "\"NaN\"");
        b.json("nested arrays 40", "[".repeat(40) + "]".repeat(40));
        b.raw("nested arrays 5000", ("[".repeat(5000) + "]".repeat(5000)).getBytes(StandardCharsets.UTF_8));
        b.json("nested objects 40", "{\"a\":".repeat(40) + "1" + "}".repeat(40));
        b.json("huge list", "[" + "1,".repeat(20_000 + random.nextInt(20_000)) + "1]");
        b.json("huge list of strings", "[" + ("\"" + "y".repeat(50) + "\",").repeat(5_000) + "\"y\"]");
        // encodings
        b.category = "encoding";
        b.raw("invalid UTF-8", bytes("\"a", new byte[] {(byte) 0xff, (byte) 0xfe}, "b\""));
        b.raw("overlong slash", bytes("\"..", new byte[] {(byte) 0xc0, (byte) 0xaf}, "etc\""));
        b.raw("overlong dots", bytes("\"", new byte[] {(byte) 0xe0, (byte) 0x80, (byte) 0xae, (byte) 0xe0, (byte) 0x80,
                (byte) 0xae}, "/x\""));
        b.raw("truncated UTF-8", bytes("\"a", new byte[] {(byte) 0xe4, (byte) 0xb8}, "\""));
        b.json("BOM in string", "\"\uFEFFname\"");
        b.json("escaped NUL", "\"a\\u0000b\"");
        b.raw("raw control character", bytes("\"a", new byte[] {1}, "b\""));
        b.json("escaped controls", "\"\\u0007\\u001b[31mred\\u0008\"");
        b.json("CR LF", "\"a\\r\\n2026-01-01 INFO forged line\"");
        b.json("bidi override", "\"\u202Efdp.exe\"");
        b.json("lone surrogate", "\"\\ud800\"");
        b.json("emoji", "\"\uD83D\uDE00\u4E2D\u6587\"");
        // traversal
        b.category = "traversal";
        b.json("dot dot", "\"../../etc/passwd\"");
        b.json("absolute", "\"/etc/passwd\"");
        b.json("encoded dot dot", "\"%2e%2e%2f%2e%2e%2fetc\"");
        b.json("backslashes", "\"..\\\\..\\\\windows\\\\win.ini\"");
        b.json("drive letter", "\"C:\\\\x\"");
        b.json("single dot", "\".\"");
        b.json("double dot", "\"..\"");
        b.json("file URL", "\"file:///etc/passwd\"");
        // SQL and identifier injection
        b.category = "injection";
        b.json("SQL quote", "\"x'; DROP TABLE export_tasks; --\"");
        b.json("SQL double quote", "\"x\\\" OR \\\"1\\\"=\\\"1\"");
        b.json("SQL backtick", "\"x` ; DROP TABLE users; --\"");
        b.json("qualified name", "\"information_schema.tables\"");
        b.json("LIKE wildcards", "\"%_%\"");
        // CSV formula prefixes
        b.category = "formula";
        b.json("formula =", "\"=1+2\"");
        b.json("formula +", "\"+cmd|' /C calc'!A0\"");
        b.json("formula -", "\"-2+3\"");
        b.json("formula @", "\"@SUM(A1:A9)\"");
        b.json("formula tab", "\"\\t=1\"");
        // random
        b.category = "random";
        b.json("random integer", Long.toString(random.nextLong()));
        b.json("random string", quoted(randomText(random, 1 + random.nextInt(300))));
        b.json("random structure", randomJson(random, 4));
        return b.all;
    }

    /** Hostile texts for one place: all with {@link #FULL}, else a seeded dozen. */
    static List<String> sampleTexts(Random random) {
        List<String> all = new ArrayList<>(texts(random));
        if (FULL) {
            return all;
        }
        java.util.Collections.shuffle(all, random);
        return all.subList(0, 12);
    }

    /** Hostile text for places that are not JSON: URL path segments, query values, file names, headers. */
    static List<String> texts(Random random) {
        List<String> all = new ArrayList<>(List.of("", " ", "0", "-1", "1.5", "2147483648", "99999999999999999999", "true", "null",
                "[]", "{}", "..", "../../etc/passwd", "%2e%2e%2f%2e%2e", "..%5c..%5cwin.ini", "/etc/passwd", "C:\\x", "a\\b",
                "x'; DROP TABLE users; --", "`x`", "=1+2", "@SUM(A1)", "\u202Egnp.exe", "\uFEFFx", "a\u0000b", "a\r\nb",
                "\u0007\u001b", "\uD83D\uDE00", "%00", "%ff%fe", "%c0%af"));
        all.add("z".repeat(5_000));
        all.add(randomText(random, 1 + random.nextInt(200)));
        all.add(Long.toString(random.nextLong()));
        return all;
    }

    /** Collects values under the category being written. */
    private static final class Builder {
        final List<Value> all = new ArrayList<>();
        String category;

        void json(String label, String json) {
            all.add(new Value(category, label, json.getBytes(StandardCharsets.UTF_8), false));
        }

        /** Bytes that may not survive as JSON text (the body may be refused as a whole). */
        void raw(String label, byte[] bytes) {
            all.add(new Value(category, label, bytes, true));
        }
    }

    private static byte[] bytes(String before, byte[] raw, String after) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(raw);
        out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** Text drawn from ASCII, Latin, CJK, controls, bidi marks and path and SQL punctuation. */
    static String randomText(Random random, int length) {
        String alphabet = "abcXYZ019 _-./\\'\"`;%=+@$\t\u00e9\u4e2d\u6587\u202e\u200b\ufeff\u0001\u001f";
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    static String quoted(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private static String randomJson(Random random, int depth) {
        int kind = depth == 0 ? random.nextInt(4) : random.nextInt(6);
        return switch (kind) {
            case 0 -> Long.toString(random.nextInt());
            case 1 -> quoted(randomText(random, random.nextInt(20)));
            case 2 -> random.nextBoolean() ? "true" : "null";
            case 3 -> Double.toString(random.nextGaussian() * 1e6);
            case 4 -> {
                List<String> items = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    items.add(randomJson(random, depth - 1));
                }
                yield "[" + String.join(",", items) + "]";
            }
            default -> {
                List<String> entries = new ArrayList<>();
                for (int i = random.nextInt(4); i > 0; i--) {
                    entries.add(quoted("k" + i + randomText(random, 3)) + ":" + randomJson(random, depth - 1));
                }
                yield "{" + String.join(",", entries) + "}";
            }
        };
    }
}
