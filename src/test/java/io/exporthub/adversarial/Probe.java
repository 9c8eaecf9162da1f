package io.exporthub.adversarial;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.exporthub.testing.TestDatabase;

/**
 * Sends one hostile request and judges the answer by the rules every endpoint keeps: no hang, no
 * 5xx, no stack trace or Java class name, a 4xx names the field, and a 4xx changes nothing (every
 * row of every table of the store, every file under the service's folders). Failures are
 * collected, so that one run lists every broken case with the seed that reproduces it.
 */
final class Probe {

    /** Longest an answer may take before the case counts as a hang. */
    static final Duration TIMEOUT = Duration.ofSeconds(15);

    /** Fully qualified Java names, exception class names, stack frames, source lines. */
    private static final Pattern LEAK = Pattern.compile(
            "\\b(java|javax|jakarta|sun|com|org|io)\\.[a-z0-9_]+\\.[A-Za-z0-9_.$]*[A-Z]\\w*"
                    + "|\\b\\w+(Exception|Error)\\b|\\bat [\\w.$]+\\(|\\.java:\\d+|\\b[A-Z]\\w+\\.get[A-Z]\\w*\\(\\)");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final TestDatabase db;
    private final List<Path> folders;
    private final String messageField;
    private final List<String> failures = new ArrayList<>();
    private String state;

    /**
     * @param messageField where the API puts its error message: {@code msg} (MOI) or {@code error_msg} (MinApp)
     */
    Probe(TestDatabase db, List<Path> folders, String messageField) {
        this.db = db;
        this.folders = folders;
        this.messageField = messageField;
    }

    /**
     * What a case expects of a refusal: the message starts with one of these names (empty: any
     * message). {@code anyMessageOn404}: a path segment that changes routing (an empty or encoded
     * segment) may get the HTTP layer's 404 or 405, which names the endpoint, not a field.
     */
    record Expect(List<String> names, boolean anyMessageOn404) {
        static Expect field(String... names) {
            return new Expect(List.of(names), false);
        }

        static Expect routing(String... names) {
            return new Expect(List.of(names), true);
        }
    }

    /** One answer, for cases that look further (ids of what a 2xx created). */
    record Answer(int status, String text, JsonNode json) {
    }

    /**
     * Sends the request and records what is wrong with the answer. After a 2xx, {@code cleanup}
     * (may be null) removes what the call created, and the suite waits for background work to
     * settle before the next case.
     */
    Answer check(String caseName, HttpRequest.Builder request, Expect expect, Consumer<Answer> cleanup) {
        if (state == null) {
            state = settledState();
        }
        HttpResponse<byte[]> response;
        try {
            response = http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (HttpTimeoutException e) {
            fail(caseName, "no answer within " + TIMEOUT.toSeconds() + " s");
            state = null;
            return null;
        } catch (IOException e) {
            fail(caseName, "the connection failed: " + e);
            state = null;
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        int status = response.statusCode();
        String text = new String(response.body(), StandardCharsets.UTF_8);
        JsonNode json = parse(text);
        Answer answer = new Answer(status, text, json);
        String shown = status + " " + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
        if (status >= 500) {
            fail(caseName, "server error: " + shown);
        }
        if (LEAK.matcher(text).find()) {
            fail(caseName, "the answer shows a Java class or stack trace: " + shown);
        }
        if (status >= 200 && status < 300) {
            if (cleanup != null) {
                cleanup.accept(answer);
            }
            state = settledState();
            return answer;
        }
        if (status >= 400 && status < 500) {
            String message = json == null ? null : json.path(messageField).asText(null);
            // the HTTP layer's own 404 or 405 (no route for the path or the method) names no field
            boolean routed = (status == 404 || status == 405) && expect.anyMessageOn404()
                    && (message == null || message.startsWith("no such endpoint: ") || message.startsWith("method not allowed on this endpoint: "));
            boolean capped = status == 413;
            if (!routed && !capped && !expect.names().isEmpty()
                    && (message == null || expect.names().stream().noneMatch(name -> names(message, name)))) {
                fail(caseName, "the message does not name " + String.join(" or ", expect.names()) + ": " + shown);
            }
            String after = stateNow();
            if (!after.equals(state)) {
                fail(caseName, "a refused request changed the store or the files: " + shown);
                state = settledState();
            }
        } else if (status >= 300 && status < 400) {
            fail(caseName, "unexpected redirect: " + shown);
        }
        return answer;
    }

    /** "path: problem", "path.child: problem", "path[0]: problem", or a duplicate-key message naming it. */
    private static boolean names(String message, String name) {
        if (name.startsWith("'")) {
            return message.startsWith("request body") && message.contains(name);
        }
        return message.equals(name) || message.startsWith(name + ":") || message.startsWith(name + ".") || message.startsWith(name + "[")
                || message.startsWith(name + " ");
    }

    /** After a change made outside the probe (a fixture), the next case starts from the state as it is then. */
    void resync() {
        state = settledState();
    }

    void fail(String caseName, String problem) {
        failures.add(caseName + ": " + problem);
    }

    /** Throws one error listing every failed case, with the seed to reproduce them; then starts afresh. */
    void assertNoFailures(String what) {
        if (failures.isEmpty()) {
            return;
        }
        StringBuilder report = new StringBuilder(what + ": " + failures.size() + " hostile case(s) failed (seed "
                + Corpus.SEED + "; rerun with -Dadversarial.seed=" + Corpus.SEED + "):");
        failures.stream().limit(40).forEach(f -> report.append("\n  - ").append(f));
        if (failures.size() > 40) {
            report.append("\n  ... and ").append(failures.size() - 40).append(" more");
        }
        failures.clear();
        throw new AssertionError(report.toString());
    }

    /** The store and the folders once background work (tasks, jobs, mails) has stopped changing them. */
    private String settledState() {
        String[] last = {stateNow()};
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(25)).until(() -> {
            String now = stateNow();
            boolean stable = now.equals(last[0]) && idle();
            last[0] = now;
            return stable;
        });
        return last[0];
    }

    /** No live task with work left, no table job queued or running, and every ended job's e-mail in the outbox (no SMTP host). */
    private boolean idle() throws SQLException {
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT (SELECT COUNT(*) FROM export_task_files WHERE status IN (0, 1)"
                     + " AND task_id IN (SELECT id FROM export_tasks WHERE deleted = 0))"
                     + " + (SELECT COUNT(*) FROM export_tasks WHERE status IN (0, 1) AND deleted = 0)"
                     + " + (SELECT COUNT(*) FROM table_jobs WHERE status IN ('pending', 'ready'))"
                     + " + (SELECT COUNT(*) FROM table_jobs WHERE id NOT IN (SELECT job_id FROM mail_outbox))")) {
            rs.next();
            return rs.getLong(1) == 0;
        }
    }

    /** A digest of every row of every table, and the name and size of every file under the folders. */
    private String stateNow() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                List<String> tables = new ArrayList<>();
                try (ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables"
                        + " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name")) {
                    while (rs.next()) {
                        tables.add(rs.getString(1));
                    }
                }
                for (String table : tables) {
                    digest.update(("#" + table).getBytes(StandardCharsets.UTF_8));
                    try (ResultSet rs = s.executeQuery("SELECT * FROM \"" + table + "\"")) {
                        int columns = rs.getMetaData().getColumnCount();
                        List<String> rows = new ArrayList<>();
                        while (rs.next()) {
                            StringBuilder row = new StringBuilder();
                            for (int i = 1; i <= columns; i++) {
                                row.append(rs.getString(i)).append('\u0001');
                            }
                            rows.add(row.toString());
                        }
                        rows.sort(null);
                        rows.forEach(r -> digest.update(r.getBytes(StandardCharsets.UTF_8)));
                    }
                }
            }
            TreeMap<String, Long> files = new TreeMap<>();
            for (Path folder : folders) {
                if (Files.isDirectory(folder)) {
                    try (Stream<Path> walk = Files.walk(folder)) {
                        walk.filter(Files::isRegularFile).forEach(f -> files.put(f.toString(), f.toFile().length()));
                    } catch (java.io.UncheckedIOException e) {
                        // a file went away while listed (a job renaming its output): the state is still changing
                        return "changing " + System.nanoTime();
                    }
                }
            }
            digest.update(files.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest());
        } catch (SQLException | IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot read the service's state", e);
        }
    }

    private static JsonNode parse(String text) {
        try {
            return text.isBlank() ? null : MAPPER.readTree(text);
        } catch (IOException e) {
            return null;
        }
    }

    static HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url));
    }
}
