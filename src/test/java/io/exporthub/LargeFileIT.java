package io.exporthub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.S3Server;
import io.exporthub.testing.ServiceProcess;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.Volumes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * One 1 GiB file to S3 by a service given a 256 MB heap: the upload must stream from disk in parts,
 * never hold the file in memory, and land with its exact size and bytes.
 */
class LargeFileIT {

    private static final long SIZE = 1024L * 1024 * 1024;
    private static final String HEAP = "256m";
    private static final String KEY = "hub/large/big/archive.bin";

    // Source, bucket copy and multipart parts come to 2-3 GiB: removed after the test whatever its outcome.
    private final Path home = createHome();

    private static Path createHome() {
        try {
            return Files.createTempDirectory("exporthub-large-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void deleteBigFiles() throws IOException {
        try (Stream<Path> paths = Files.walk(home)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        }
    }

    @Test
    void oneGibFileStreamsToS3WithinA256MbHeap() throws Exception {
        try (S3Server s3 = new S3Server(home.resolve("s3"));
             ServiceProcess service = new ServiceProcess(home.resolve("service"), HEAP, Map.of())) {
            s3.start();
            s3.createBucket("exports");
            // Volumes.raw writes in 1 MB chunks, so the test JVM does not hold the file either.
            String sha = Volumes.sha256(Volumes.raw(service.volume(), "big/archive.bin", SIZE, 42));

            service.start();
            ApiClient api = service.api();
            long connector = Tasks.createConnector(api, "archive", "s3", Map.of(
                    "endpoint", s3.endpoint(), "region", "us-east-1", "bucket_name", "exports/hub",
                    "access_key_id", s3.accessKey(), "access_key_secret", s3.secretKey(), "path_style", true));
            String taskId = Tasks.createTask(api, Tasks.create("large", connector, "archive", 2,
                    Map.of("s3_config", Map.of("path", "/large/")), List.of(Tasks.file("big", "big/archive.bin", true))));

            JsonNode info = service.awaitTaskFinished(taskId, Duration.ofMinutes(5));
            long peakRssKb = service.peakRssKb();
            assertThat(info.path("status").asInt()).as("task %s\n%s", info, service.logTail(40)).isEqualTo(2);
            assertThat(info.path("file_stats").path("completed").asInt()).isEqualTo(1);
            assertThat(service.isAlive()).as("service alive (exit %s)\n%s", service.exitCode(), service.logTail(40)).isTrue();

            try (S3Client client = s3.client()) {
                assertThat(client.headObject(b -> b.bucket("exports").key(KEY)).contentLength()).isEqualTo(SIZE);
                try (ResponseInputStream<GetObjectResponse> in = client.getObject(b -> b.bucket("exports").key(KEY))) {
                    assertThat(Volumes.sha256(in)).isEqualTo(sha);
                }
            }
            // one multipart upload, not a retried or repeated one
            assertThat(s3.putCount()).isEqualTo(1);
            System.out.printf("LargeFileIT: service peak RSS %d MB at -Xmx%s%n", peakRssKb / 1024, HEAP);
        }
    }
}
