package io.exporthub.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.exporthub.testing.ServiceProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged service at a small heap against clients that send big bodies: without a key they are
 * refused before their bodies are read, with a key an oversized body is refused by its length, and the
 * service keeps answering throughout. (Before the key was checked first, twelve such clients ran the
 * service out of memory for good.)
 */
class HostileClientsIT {

    private static final long MIB = 1024 * 1024;
    private static final int CLIENTS = 12;

    @TempDir
    Path home;

    @Test
    void bigBodiesWithoutAKeyAreRefusedUnreadAndTheServiceStaysUp() throws Exception {
        try (ServiceProcess service = new ServiceProcess(home.resolve("service"), "128m", Map.of()).start()) {
            int port = URI.create(service.baseUrl()).getPort();
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            try {
                for (int round = 0; round < 2; round++) {
                    List<Future<Upload>> uploads = new ArrayList<>();
                    for (int i = 0; i < CLIENTS; i++) {
                        // half to a small route with a length, half to the import route (the big one) chunked
                        boolean chunked = i % 2 == 1;
                        String path = chunked ? "/userve/v1/table/1/import/" : "/byoa/api/v1/export/task/create";
                        uploads.add(clients.submit(() -> upload(port, path, null, 60 * MIB, chunked)));
                    }
                    for (Future<Upload> upload : uploads) {
                        Upload answered = upload.get(60, TimeUnit.SECONDS);
                        assertThat(answered.status()).as("%s", answered).isEqualTo(401);
                        assertThat(answered.millis()).as("%s", answered).isLessThan(15_000);
                    }
                }
            } finally {
                clients.shutdownNow();
            }
            assertThat(service.isAlive()).as("the service is running\n%s", service.logTail(40)).isTrue();
            assertThat(health(service)).isEqualTo(200);

            // with a key: a body longer than its route allows is refused by its length, unread
            Upload small = upload(port, "/byoa/api/v1/export/task/create", ServiceProcess.ADMIN_KEY, 60 * MIB, false);
            assertThat(small.status()).as("%s", small).isEqualTo(413);
            assertThat(small.answer()).contains("request body: larger than 1048576 bytes");
            Upload importTooBig = upload(port, "/userve/v1/table/1/import/", ServiceProcess.ADMIN_KEY, 60 * MIB, false);
            assertThat(importTooBig.status()).as("%s", importTooBig).isEqualTo(413);
            // and one without a length is cut off at the limit of its route
            Upload chunked = upload(port, "/byoa/api/v1/connector/list", ServiceProcess.ADMIN_KEY, 8 * MIB, true);
            assertThat(chunked.status()).as("%s", chunked).isEqualTo(413);
            assertThat(chunked.answer()).contains("request body: larger than 1048576 bytes");

            assertThat(service.isAlive()).as("the service is running\n%s", service.logTail(40)).isTrue();
            assertThat(health(service)).isEqualTo(200);
            assertThat(service.logTail(400)).doesNotContain("java.lang.OutOfMemoryError").doesNotContain("Unhandled exception");
        }
    }

    private record Upload(int status, String answer, long millis) {
    }

    /**
     * A client as a hostile one writes it: a POST whose body it keeps sending whatever the server says,
     * over a plain socket, reading the answer as soon as it comes.
     */
    private static Upload upload(int port, String path, String key, long bytes, boolean chunked) throws IOException {
        long started = System.nanoTime();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n");
            head.append(chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + bytes + "\r\n");
            if (key != null) {
                head.append("moi-key: ").append(key).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            Thread sender = new Thread(() -> send(out, bytes, chunked), "hostile-sender");
            sender.setDaemon(true);
            sender.start();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            String statusLine = in.readLine();
            long millis = (System.nanoTime() - started) / 1_000_000;
            int status = statusLine == null ? -1 : Integer.parseInt(statusLine.split(" ")[1]);
            StringBuilder answer = new StringBuilder();
            try {
                int length = -1;
                for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                    if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                for (int i = 0; i < length; i++) {
                    answer.append((char) in.read());
                }
            } catch (IOException e) {
                // reset while our sender still wrote: the status line is what counts
            }
            return new Upload(status, answer.toString(), millis);
        }
    }

    private static void send(OutputStream out, long bytes, boolean chunked) {
        byte[] block = new byte[64 * 1024];
        try {
            for (long sent = 0; sent < bytes; sent += block.length) {
                if (chunked) {
                    out.write((Integer.toHexString(block.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write(block);
                if (chunked) {
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            }
            if (chunked) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
        } catch (IOException e) {
            // the server closed the connection: what it should do once it has answered
        }
    }

    private static int health(ServiceProcess service) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + "/observe/health")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
