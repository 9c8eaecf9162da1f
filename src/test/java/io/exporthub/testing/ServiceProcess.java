package io.exporthub.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The packaged service ({@code target/export-hub.jar}) as a separate OS process, configured only by
 * environment variables, so that a test can kill it with SIGKILL and start it again on the same store.
 * Everything it writes (store, volume, work, local targets, log) lives under one home directory.
 */
public final class ServiceProcess implements AutoCloseable {

    public static final String ADMIN_KEY = "test-admin-key";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Path home;
    private final String heap;
    private final Map<String, String> extraEnv;
    private final Path log;
    private final Path jar;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private volatile Process process;
    private int port;
    private long peakRssKb = -1;

    /**
     * @param heap     the {@code -Xmx} value, e.g. {@code 256m}
     * @param extraEnv more environment variables (they win over the defaults set here)
     */
    public ServiceProcess(Path home, String heap, Map<String, String> extraEnv) throws IOException {
        this.home = Files.createDirectories(home.toAbsolutePath());
        this.heap = heap;
        this.extraEnv = new LinkedHashMap<>(extraEnv);
        this.log = this.home.resolve("service.log");
        Files.createDirectories(volume());
        // A private copy: every start runs the same build even if target/ is rebuilt meanwhile by a parallel mvn.
        this.jar = Files.copy(jar(), this.home.resolve("export-hub.jar"), StandardCopyOption.REPLACE_EXISTING);
        // A test JVM that dies or is killed by a fork timeout must not leave the service running.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Process running = process;
            if (running != null) {
                running.destroyForcibly();
            }
        }, "service-process-reaper"));
    }

    /** The jar {@code mvn package} built; {@code -Dexporthub.jar=...} points elsewhere. */
    public static Path jar() {
        String configured = System.getProperty("exporthub.jar");
        Path jar = configured != null ? Path.of(configured)
                : Path.of(System.getProperty("basedir", ".")).resolve("target/export-hub.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " is missing: run mvn package (the ITs run after it in mvn verify)");
        }
        return jar.toAbsolutePath();
    }

    /** Starts the jar and waits until its health endpoint answers 200; a fresh free port on every start. */
    public synchronized ServiceProcess start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running (pid " + process.pid() + ")");
        }
        port = ExportHubService.freePort();
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError", "-jar", jar.toString());
        // The home as working directory: no application.properties of the project root is read, only the jar's defaults.
        builder.directory(home.toFile());
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        // Settings of the machine running the tests must not leak into the service.
        env.keySet().removeIf(k -> k.startsWith("EXPORTHUB_") || k.startsWith("CAMEL_"));
        env.putAll(environment());
        Files.writeString(log, "==== start " + String.join(" ", builder.command()) + " on port " + port + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        process = builder.start();
        Process started = process;
        try {
            await().atMost(START_TIMEOUT).pollDelay(Duration.ofMillis(200)).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        if (!started.isAlive()) {
                            throw new IllegalStateException("the service exited with " + started.exitValue() + " while starting\n" + logTail(60));
                        }
                        return healthy();
                    });
        } catch (ConditionTimeoutException e) {
            kill();
            throw new IllegalStateException("the service was not healthy within " + START_TIMEOUT + "\n" + logTail(60), e);
        }
        return this;
    }

    private Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CAMEL_SERVER_PORT", String.valueOf(port));
        env.put("EXPORTHUB_API_KEY", ADMIN_KEY);
        env.put("EXPORTHUB_DB_URL", "jdbc:h2:file:" + home.resolve("store") + ";MODE=MySQL;DATABASE_TO_LOWER=TRUE");
        env.put("EXPORTHUB_DB_USER", "sa");
        env.put("EXPORTHUB_VOLUME_ROOT", volume().toString());
        env.put("EXPORTHUB_WORK_DIR", home.resolve("work").toString());
        env.put("EXPORTHUB_SECRETS_KEY_FILE", home.resolve("secrets.key").toString());
        env.put("EXPORTHUB_LOCAL_TARGET_ROOT", home.resolve("local-target").toString());
        env.put("EXPORTHUB_EXPORTS_DIR", home.resolve("exports").toString());
        env.putAll(extraEnv);
        return env;
    }

    private boolean healthy() {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/observe/health"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** SIGKILL: no shutdown hook, no graceful stop, in-flight work is simply cut off. */
    public synchronized void kill() {
        end(true, Duration.ofSeconds(30));
    }

    /** SIGTERM: camel-main's graceful shutdown (it waits up to camel.main.shutdownTimeout for in-flight work). */
    public synchronized void stop() {
        end(false, Duration.ofSeconds(60));
    }

    private void end(boolean force, Duration wait) {
        if (process == null) {
            return;
        }
        recordPeakRss();
        if (force) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        if (process.isAlive()) {
            throw new IllegalStateException("pid " + process.pid() + " did not exit\n" + logTail(40));
        }
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Exit code of the last process, or null while it runs or before any start. */
    public synchronized Integer exitCode() {
        return process == null || process.isAlive() ? null : process.exitValue();
    }

    /**
     * Polls until the task is no longer running; answers its info. Fails at once, with the log, if the
     * process dies meanwhile (an OOM exits it), instead of waiting out the deadline.
     */
    public JsonNode awaitTaskFinished(String taskId, Duration atMost) {
        ApiClient api = api();
        try {
            await().atMost(atMost).pollInterval(Duration.ofMillis(200))
                    .failFast("the service died", () -> !isAlive())
                    .until(() -> Tasks.info(api, taskId).path("status").asInt() != 1);
        } catch (RuntimeException e) {
            // TerminalFailureException from failFast, or a refused request if it died between two checks
            if (!isAlive()) {
                throw new IllegalStateException("the service exited with " + exitCode() + " while task " + taskId
                        + " ran\n" + logTail(60), e);
            }
            throw e;
        }
        return Tasks.info(api, taskId);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public ApiClient api() {
        return new ApiClient(baseUrl(), ADMIN_KEY);
    }

    public Path home() {
        return home;
    }

    public Path volume() {
        return home.resolve("volume");
    }

    public Path logFile() {
        return log;
    }

    /** Peak resident set size (VmHWM, Linux only) of the running or last process in KB; -1 if unknown. */
    public synchronized long peakRssKb() {
        recordPeakRss();
        return peakRssKb;
    }

    private void recordPeakRss() {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    peakRssKb = Math.max(peakRssKb, Long.parseLong(line.replaceAll("[^0-9]", "")));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process just ended: the last reading stands
        }
    }

    /** The last lines of the service's log, for failure messages. */
    public String logTail(int lines) {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = file.length();
            long from = Math.max(0, length - 64 * 1024);
            byte[] bytes = new byte[(int) (length - from)];
            file.seek(from);
            file.readFully(bytes);
            List<String> all = List.of(new String(bytes, StandardCharsets.UTF_8).split("\n"));
            List<String> tail = new ArrayList<>(all.subList(Math.max(0, all.size() - lines), all.size()));
            return "---- last lines of " + log + "\n" + String.join("\n", tail);
        } catch (IOException e) {
            return "(no log at " + log + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public synchronized void close() {
        if (isAlive()) {
            stop();
        }
    }
}
