package io.exporthub.sink.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.exporthub.testing.ApiClient;
import io.exporthub.testing.ExportHubService;
import io.exporthub.testing.HeaderTap;
import io.exporthub.testing.S3Server;
import io.exporthub.testing.Tasks;
import io.exporthub.testing.TestDatabase;
import io.exporthub.testing.Volumes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * What goes on the wire to an S3 server over plain http: bodies declared UNSIGNED-PAYLOAD (as the
 * AWS SDK does over https), or signed chunk by chunk when the connector sets sign_payload; either
 * way every object arrives whole, a multipart one (larger than the part size) included.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3PayloadSigningTest {

    @TempDir
    static Path home;

    S3Server s3;
    HeaderTap unsignedTap;
    HeaderTap signedTap;
    TestDatabase db;
    ExportHubService service;
    ApiClient api;

    @BeforeAll
    void start() throws Exception {
        s3 = new S3Server(home.resolve("s3"));
        s3.start();
        s3.createBucket("unsigned");
        s3.createBucket("signed");
        // one relay per connector: each connector's health probes go through its own
        unsignedTap = new HeaderTap(s3.port(), "x-amz-content-sha256");
        signedTap = new HeaderTap(s3.port(), "x-amz-content-sha256");
        db = TestDatabase.of("h2", home);
        Map<String, String> props = ExportHubService.defaults(home, db);
        props.put("exporthub.s3.part-size", String.valueOf(5 * 1024 * 1024)); // the 9 MiB file in two parts
        service = ExportHubService.start(home, props);
        api = service.api();
    }

    @AfterAll
    void stop() throws Exception {
        service.close();
        unsignedTap.close();
        signedTap.close();
        s3.close();
        db.close();
    }

    @Test
    void overPlainHttpBodiesGoUnsignedUnlessTheConnectorAsks() throws Exception {
        Map<String, String> unsigned = export("unsigned", unsignedTap, Map.of());
        // two PUTs of a whole object and two of a part
        assertThat(puts(unsignedTap)).containsOnly("put unsigned-payload").hasSize(4);
        assertArrived("unsigned", unsigned);

        Map<String, String> signed = export("signed", signedTap, Map.of("sign_payload", true));
        assertThat(puts(signedTap)).containsOnly("put streaming-aws4-hmac-sha256-payload").hasSize(4);
        assertArrived("signed", signed);
    }

    /** Exports three files, one of them multipart, through a connector via the tap to the bucket; answers key to sha256. */
    private Map<String, String> export(String bucket, HeaderTap tap, Map<String, Object> extra) throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        List<Map<String, Object>> files = new ArrayList<>();
        long[] sizes = {4096, 70_001, 9L * 1024 * 1024 + 5};
        for (int i = 0; i < sizes.length; i++) {
            String relative = bucket + "/file-" + i + ".bin";
            expected.put("out/" + relative, Volumes.sha256(Volumes.raw(service.volume(), relative, sizes[i], i)));
            files.add(Tasks.file(bucket + "-" + i, relative, true));
        }
        Map<String, Object> config = new LinkedHashMap<>(Map.of("endpoint", tap.endpoint(), "bucket_name", bucket,
                "access_key_id", s3.accessKey(), "access_key_secret", s3.secretKey(), "path_style", true));
        config.putAll(extra);
        long connector = Tasks.createConnector(api, bucket, "s3", config);
        String taskId = Tasks.createTask(api, Tasks.create("to " + bucket, connector, bucket, 2,
                Map.of("s3_config", Map.of("path", "out")), files));
        JsonNode info = Tasks.awaitFinished(api, taskId, Duration.ofMinutes(1));
        assertThat(info.path("file_stats").path("completed").asInt()).as("%s", info).isEqualTo(sizes.length);
        return expected;
    }

    private static List<String> puts(HeaderTap tap) {
        return tap.values().stream().filter(v -> v.startsWith("put ")).toList();
    }

    private void assertArrived(String bucket, Map<String, String> expected) throws Exception {
        try (S3Client client = s3.client()) {
            for (Map.Entry<String, String> object : expected.entrySet()) {
                try (ResponseInputStream<GetObjectResponse> in = client.getObject(b -> b.bucket(bucket).key(object.getKey()))) {
                    assertThat(Volumes.sha256(in)).as("bytes of %s", object.getKey()).isEqualTo(object.getValue());
                }
            }
        }
    }
}
