package io.exporthub.adversarial;

import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicTest;

/** The dynamic tests both APIs share: one per field of a body, one per path segment; each lists all its failed cases. */
final class HostileTests {

    private HostileTests() {
    }

    /**
     * The tests of one endpoint's JSON body: the body as a whole (unless {@code under} limits them
     * to the fields under one path), then each field. {@code alternatives}: fields whose refusal may
     * name another field instead (see {@link Bodies#forField}).
     */
    static List<DynamicTest> body(Probe probe, String endpoint, String base, String under, int maxBody,
                                  Function<byte[], HttpRequest.Builder> post, Consumer<Probe.Answer> cleanup,
                                  Map<String, String> alternatives) {
        JsonNode json = Bodies.json(base);
        List<DynamicTest> tests = new ArrayList<>();
        if (under == null) {
            tests.add(DynamicTest.dynamicTest(endpoint + " (body)", () -> {
                for (Bodies.Case c : Bodies.wholeBody(json, maxBody)) {
                    probe.check(endpoint + " " + c.name(), post.apply(c.body()), c.expect(), cleanup);
                }
                probe.assertNoFailures(endpoint + " (body)");
            }));
        }
        for (String field : Bodies.fields(json, under)) {
            tests.add(DynamicTest.dynamicTest(endpoint + " " + field, () -> {
                for (Bodies.Case c : Bodies.forField(json, field, random(endpoint + " " + field), alternative(alternatives, field))) {
                    probe.check(endpoint + " " + c.name(), post.apply(c.body()), c.expect(), cleanup);
                }
                probe.assertNoFailures(endpoint + " " + field);
            }));
        }
        return tests;
    }

    /** Hostile text as one path segment, percent-encoded and, where a URL allows it, raw. */
    static DynamicTest pathSegment(Probe probe, String name, Function<String, HttpRequest.Builder> request, String param) {
        return DynamicTest.dynamicTest(name, () -> {
            for (String text : Corpus.sampleTexts(random(name))) {
                probe.check(name + " = " + printable(text), request.apply(encode(text)), Probe.Expect.routing(param), null);
                if (rawAllowed(text)) {
                    probe.check(name + " = raw " + printable(text), request.apply(text), Probe.Expect.routing(param), null);
                }
            }
            probe.assertNoFailures(name);
        });
    }

    /** The field's entry in {@code map}, looked up by the field and by each field holding it. */
    static String alternative(Map<String, String> map, String field) {
        return map.entrySet().stream()
                .filter(e -> field.equals(e.getKey()) || field.startsWith(e.getKey() + ".") || field.startsWith(e.getKey() + "["))
                .map(Map.Entry::getValue).findFirst().orElse(null);
    }

    /** Each test draws from its own generator, so that its values do not depend on which tests ran before. */
    static Random random(String what) {
        return new Random(Corpus.SEED ^ what.hashCode());
    }

    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Text that may go into a URL as it is (traversal such as ../ must reach the server unencoded too). */
    static boolean rawAllowed(String text) {
        return !text.isEmpty() && text.chars().allMatch(c -> c > 0x20 && c < 0x7f && "\"<>\\^`{|}[]#? ".indexOf(c) < 0)
                && !text.matches(".*%(?![0-9a-fA-F]{2}).*");
    }

    /** A case's value as a readable name: control and bidi characters escaped, long text cut. */
    static String printable(String text) {
        String shown = text.length() > 40 ? text.substring(0, 40) + "...(" + text.length() + ")" : text;
        StringBuilder out = new StringBuilder();
        shown.codePoints().forEach(c -> out.append(c < 0x20 || c == 0x7f || (c >= 0x202a && c <= 0x202e) || c == 0xfeff
                ? String.format("\\u%04x", c) : new String(Character.toChars(c))));
        return out.toString();
    }
}
