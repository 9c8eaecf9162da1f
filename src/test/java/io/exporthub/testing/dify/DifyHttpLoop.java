package io.exporthub.testing.dify;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLConnection;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The benchmark's alternative to the Dify target: what a user's script would do, a plain
 * {@link HttpClient} loop on a fixed number of threads that puts every file of a volume into a
 * dataset as one document named after the file, as the Dify target does. The calls are the ones
 * {@code DifyDelivery} makes through {@code DifyClient}, in the same order:
 * <ul>
 * <li>once: {@code GET /datasets/{id}} (the dataset's doc_form);</li>
 * <li>per file: {@code GET /datasets/{id}/documents?page=1&limit=100&keyword=<name>} (every page
 * while has_more), the name matched exactly here;</li>
 * <li>then, with no document of the name, {@code POST /datasets/{id}/document/create-by-text} for a
 * processing result (its non-empty blocks' contents joined by blank lines) or
 * {@code POST /datasets/{id}/document/create-by-file} (multipart {@code file} and {@code data})
 * for a raw file, with indexing_technique high_quality, the dataset's doc_form and
 * process_rule automatic; with one, {@code update-by-text} or {@code update-by-file} of it.</li>
 * </ul>
 * Unlike the service it neither retries, nor records anything, nor cleans up second documents of a
 * name: any answer outside 2xx stops it with a non-zero exit.
 *
 * <p>{@code <api url> <api key> <dataset id> <volume> <threads>}: processing results are
 * {@code <volume>/.parsed/.../<name>.json}, raw files everything else in the volume.
 */
public final class DifyHttpLoop {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String api;
    private final String authorization;
    private final String dataset;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger created = new AtomicInteger();
    private final AtomicInteger updated = new AtomicInteger();
    private String docForm;

    private DifyHttpLoop(String api, String key, String dataset) {
        this.api = api.endsWith("/") ? api.substring(0, api.length() - 1) : api;
        this.authorization = "Bearer " + key;
        this.dataset = dataset;
    }

    public static void main(String[] args) throws Exception {
        DifyHttpLoop loop = new DifyHttpLoop(args[0], args[1], args[2]);
        Path volume = Path.of(args[3]);
        int threads = Integer.parseInt(args[4]);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(volume)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        loop.docForm = loop.json(loop.send(HttpRequest.newBuilder(loop.uri("/datasets/" + loop.dataset)).GET()))
                .path("doc_form").asText("text_model");
        if (loop.docForm.isEmpty()) {
            loop.docForm = "text_model";
        }
        Path parsed = volume.resolve(".parsed");
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> done = new ArrayList<>();
        for (Path file : files) {
            done.add(pool.submit(() -> {
                loop.deliver(file, !file.startsWith(parsed));
                return null;
            }));
        }
        try {
            for (Future<?> future : done) {
                future.get();
            }
        } catch (ExecutionException e) {
            System.err.println("dify loop: " + e.getCause().getMessage());
            System.exit(1);
        } finally {
            pool.shutdownNow();
        }
        System.out.println(files.size() + " files: " + loop.created + " documents created, " + loop.updated + " updated, "
                + loop.requests + " requests");
    }

    private void deliver(Path file, boolean raw) throws IOException, InterruptedException {
        String fileName = file.getFileName().toString();
        String name = raw ? fileName : fileName.substring(0, fileName.length() - ".json".length());
        String existing = find(name);
        ObjectNode settings = MAPPER.createObjectNode();
        if (existing == null) {
            settings.put("indexing_technique", "high_quality");
        }
        settings.put("doc_form", docForm);
        settings.putObject("process_rule").put("mode", "automatic");
        String path = existing == null ? "/datasets/" + dataset + "/document/" : "/datasets/" + dataset + "/documents/" + existing + "/";
        HttpRequest.Builder request;
        if (raw) {
            String boundary = UUID.randomUUID().toString();
            String type = Files.probeContentType(file);
            if (type == null) {
                type = URLConnection.guessContentTypeFromName(name);
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\n"
                    + "Content-Type: " + (type == null ? "application/octet-stream" : type) + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(Files.readAllBytes(file));
            body.writeBytes(("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"data\"\r\n"
                    + "Content-Type: application/json\r\n\r\n" + settings + "\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
            request = HttpRequest.newBuilder(uri(path + (existing == null ? "create-by-file" : "update-by-file")))
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        } else {
            List<String> parts = new ArrayList<>();
            for (JsonNode block : MAPPER.readTree(file.toFile()).path("blocks")) {
                String content = block.path("content").asText("").strip();
                if (!content.isEmpty()) {
                    parts.add(content);
                }
            }
            ObjectNode body = MAPPER.createObjectNode().put("name", name).put("text", String.join("\n\n", parts));
            body.setAll(settings);
            request = HttpRequest.newBuilder(uri(path + (existing == null ? "create-by-text" : "update-by-text")))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        }
        send(request);
        (existing == null ? created : updated).incrementAndGet();
    }

    /** The id of the document named exactly {@code name}, or null: Dify's keyword is a substring match. */
    private String find(String name) throws IOException, InterruptedException {
        for (int page = 1; ; page++) {
            JsonNode answer = json(send(HttpRequest.newBuilder(uri("/datasets/" + dataset + "/documents?page=" + page + "&limit=100&keyword="
                    + URLEncoder.encode(name, StandardCharsets.UTF_8))).GET()));
            for (JsonNode document : answer.path("data")) {
                if (name.equals(document.path("name").asText())) {
                    return document.path("id").asText();
                }
            }
            if (!answer.path("has_more").asBoolean(false) || answer.path("data").isEmpty()) {
                return null;
            }
        }
    }

    private URI uri(String path) {
        return URI.create(api + path);
    }

    private String send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpRequest built = request.header("Authorization", authorization).header("Accept", "application/json").build();
        HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
        requests.incrementAndGet();
        if (response.statusCode() / 100 != 2) {
            throw new IOException(built.method() + " " + built.uri() + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private static JsonNode json(String body) throws IOException {
        return MAPPER.readTree(body);
    }
}
