package io.exporthub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.ServiceProcess;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walkthrough, run as written: the service is started with the README's command (the
 * jar at {@code target/export-hub.jar} in a fresh directory, on a free port), then each shell block
 * of the walkthrough runs in that directory with bash, and its output must be the one the README
 * shows after it. Matching rule: {@code <some-name>} (lower case, with a hyphen) stands for any
 * value, the same wherever it recurs, and is substituted into later commands; an ISO-8601 UTC time
 * stands for any time, ten digits for any unix time. The outputs of a block's commands are compared
 * as printed one after the other (curl ends no answer with a newline), so the lines shown are joined.
 * A block that changes nothing is run again until its output matches (a task takes a moment); a
 * block without an output block must print nothing.
 */
class ReadmeWalkthroughIT {

    private static final Pattern FENCE = Pattern.compile("(?ms)^```(\\w*)\\n(.*?)^```\\s*$");
    private static final Pattern TOKEN = Pattern.compile(
            "<([a-z]+(?:-[a-z]+)+)>|\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z|(?<![\\d.])\\d{10}(?![\\d.])");
    private static final Pattern PLACEHOLDER = Pattern.compile("<([a-z]+(?:-[a-z]+)+)>");
    /** Commands that change something; a block with none of them may be run again. */
    private static final Pattern CHANGES = Pattern.compile(
            "/create|/rerun|/delete|/import/ .*-F|/export/ .*-d|/v1/table/ .*-d|^\\s*(printf|cat|mkdir)\\b", Pattern.MULTILINE);

    @TempDir
    Path dir;

    record Step(String commands, String expected) {
    }

    @Test
    void theWalkthroughRunsAsWritten() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String commandsSection = section(readme, "## The two commands");
        List<String[]> commandBlocks = fences(commandsSection);
        String runCommand = commandBlocks.get(0)[1].trim();
        String testCommand = commandBlocks.get(1)[1].trim();
        assertThat(Files.readString(Path.of(".ci/run"))).as(".ci/run runs the README's test command").contains("\n" + testCommand + "\n");
        assertThat(runCommand).startsWith("mvn -q -DskipTests package && ").endsWith("java -jar target/export-hub.jar");

        List<Step> steps = steps(section(readme, "## Five-minute walkthrough"));
        assertThat(steps).hasSizeGreaterThan(5);
        assertThat(steps.get(steps.size() - 1).expected()).endsWith("{\"status\":\"UP\"}");

        Files.createDirectories(dir.resolve("target"));
        Files.copy(ServiceProcess.jar(), dir.resolve("target/export-hub.jar"));
        int port = ExportHubService.freePort();
        ProcessBuilder service = new ProcessBuilder("bash", "-c", runCommand.substring(runCommand.indexOf("&& ") + 3))
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("service.log").toFile());
        service.environment().put("CAMEL_SERVER_PORT", String.valueOf(port));
        Process process = service.start();
        try {
            awaitUp(port, process, dir.resolve("service.log"));
            Map<String, String> bound = new LinkedHashMap<>();
            StringBuilder assignments = new StringBuilder();
            for (Step step : steps) {
                run(step, bound, assignments, port);
                for (String line : step.commands().split("\n")) {
                    if (line.matches("[A-Z_]+=.*") && !line.contains("curl")) {
                        assignments.append(substitute(line, bound)).append('\n');
                    }
                }
            }
        } finally {
            // bash, and the java it started
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
    }

    private void run(Step step, Map<String, String> bound, StringBuilder assignments, int port) throws Exception {
        String script = "set -e\n" + assignments + substitute(step.commands(), bound);
        String[] output = new String[1];
        List<Map<String, String>> captured = new ArrayList<>();
        Callable<Boolean> attempt = () -> {
            output[0] = bash(script, port);
            Map<String, String> values = match(step.expected(), output[0], bound);
            if (values != null) {
                captured.add(values);
            }
            return values != null;
        };
        if (CHANGES.matcher(step.commands()).find()) {
            attempt.call();
        } else {
            try {
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(attempt);
            } catch (ConditionTimeoutException e) {
                // the comparison below says how the last output differs
            }
        }
        if (captured.isEmpty()) {
            assertThat(output[0].strip()).as("output of:%n%s%nwith %s", step.commands(), bound).isEqualTo(step.expected());
        }
        bound.putAll(captured.get(0));
    }

    private String bash(String script, int port) throws IOException, InterruptedException {
        ProcessBuilder bash = new ProcessBuilder("bash", "-c", script).directory(dir.toFile()).redirectErrorStream(true);
        bash.environment().put("PORT", String.valueOf(port));
        Process process = bash.start();
        // CSV files end their lines with CRLF; the README shows lines
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).replace("\r\n", "\n");
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("exit status of:\n%s\noutput: %s", script, output).isZero();
        return output;
    }

    /** The values of new placeholders if the output matches, else null. */
    static Map<String, String> match(String expected, String output, Map<String, String> bound) {
        StringBuilder regex = new StringBuilder();
        Map<String, String> groups = new LinkedHashMap<>();
        Matcher token = TOKEN.matcher(expected.replace("\n", ""));
        int at = 0;
        while (token.find()) {
            regex.append(Pattern.quote(expected.replace("\n", "").substring(at, token.start())));
            String name = token.group(1);
            if (name == null) {
                regex.append(token.group().length() == 10 ? "\\d{10}" : "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z");
            } else if (bound.containsKey(name)) {
                regex.append(Pattern.quote(bound.get(name)));
            } else if (groups.containsKey(name)) {
                regex.append("\\k<").append(groups.get(name)).append('>');
            } else {
                String group = "g" + groups.size();
                groups.put(name, group);
                regex.append("(?<").append(group).append(">[^\"\\s]+)");
            }
            at = token.end();
        }
        regex.append(Pattern.quote(expected.replace("\n", "").substring(at)));
        Matcher m = Pattern.compile(regex.toString()).matcher(output.replace("\n", ""));
        if (!m.matches()) {
            return null;
        }
        Map<String, String> captured = new LinkedHashMap<>();
        groups.forEach((name, group) -> captured.put(name, m.group(group)));
        return captured;
    }

    private static String substitute(String commands, Map<String, String> bound) {
        Matcher m = PLACEHOLDER.matcher(commands);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = bound.get(m.group(1));
            assertThat(value).as("%s is in an output shown before it is used", m.group()).isNotNull();
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        return m.appendTail(out).toString();
    }

    private static String section(String readme, String heading) {
        int start = readme.indexOf(heading + "\n");
        assertThat(start).as("README has %s", heading).isNotNegative();
        int end = readme.indexOf("\n## ", start + heading.length());
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    /** {language, body, start, end} of each fenced block. */
    private static List<String[]> fences(String text) {
        List<String[]> blocks = new ArrayList<>();
        Matcher m = FENCE.matcher(text);
        while (m.find()) {
            blocks.add(new String[] {m.group(1), m.group(2), String.valueOf(m.start()), String.valueOf(m.end())});
        }
        return blocks;
    }

    /** Each sh block with the json or text block right after it (nothing but blank lines between), if any. */
    private static List<Step> steps(String walkthrough) {
        List<String[]> blocks = fences(walkthrough);
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            if (!blocks.get(i)[0].equals("sh")) {
                continue;
            }
            String expected = "";
            if (i + 1 < blocks.size() && List.of("json", "text").contains(blocks.get(i + 1)[0])
                    && walkthrough.substring(Integer.parseInt(blocks.get(i)[3]), Integer.parseInt(blocks.get(i + 1)[2])).isBlank()) {
                expected = blocks.get(i + 1)[1].strip();
            }
            steps.add(new Step(blocks.get(i)[1], expected));
        }
        return steps;
    }

    private static void awaitUp(int port, Process process, Path log) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
                .failFast("the service stopped", () -> {
                    if (!process.isAlive()) {
                        System.out.println(Files.readString(log));
                    }
                    return !process.isAlive();
                })
                .ignoreExceptions().until(() -> {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/observe/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return health.statusCode() == 200;
        });
    }
}
