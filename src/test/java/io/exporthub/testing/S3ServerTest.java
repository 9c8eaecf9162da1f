package io.exporthub.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;

class S3ServerTest {

    private static final String BUCKET = "exports";

    @TempDir
    Path tmp;

    @Test
    void uploadsSurviveRestartOnSamePort() throws Exception {
        byte[] small = "hello s3proxy".getBytes();
        byte[] big = new byte[20 * 1024 * 1024 + 123];
        new Random(42).nextBytes(big);
        Path smallFile = Files.write(tmp.resolve("small.txt"), small);

        try (S3Server server = new S3Server(tmp.resolve("blobs"), "test-access", "test-secret")) {
            server.start();
            int port = server.port();
            assertThat(server.endpoint()).isEqualTo("http://127.0.0.1:" + port);
            server.createBucket(BUCKET);

            List<String> payloadModes = new CopyOnWriteArrayList<>();
            ExecutionInterceptor recordPayloadMode = new ExecutionInterceptor() {
                @Override
                public void beforeTransmission(Context.BeforeTransmission ctx, ExecutionAttributes attrs) {
                    ctx.httpRequest().firstMatchingHeader("x-amz-content-sha256").ifPresent(payloadModes::add);
                }
            };
            try (S3Client s3 = server.clientBuilder()
                    .overrideConfiguration(c -> c.addExecutionInterceptor(recordPayloadMode)).build()) {
                // PutObject from a file: SDK v2 sends aws-chunked SigV4 over plain http
                s3.putObject(b -> b.bucket(BUCKET).key("a/small.txt"), RequestBody.fromFile(smallFile));
                assertThat(payloadModes).containsExactly("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
                multipartUpload(s3, "b/big.bin", big, 8 * 1024 * 1024);

                assertThat(server.putCount()).isEqualTo(2);
                assertThat(server.putCount("a/")).isEqualTo(1);
                assertThat(server.putCount("b/")).isEqualTo(1);
                assertReadBack(s3, "a/small.txt", small);
                assertReadBack(s3, "b/big.bin", big);

                server.resetCounts();
                assertThat(server.putCount()).isZero();

                server.stop();
                assertThatThrownBy(() -> s3.headObject(b -> b.bucket(BUCKET).key("a/small.txt")))
                        .isInstanceOf(SdkClientException.class)
                        .hasRootCauseInstanceOf(ConnectException.class);

                server.start();
                assertThat(server.port()).isEqualTo(port);
                assertReadBack(s3, "a/small.txt", small);
                assertReadBack(s3, "b/big.bin", big);
            }
        }
    }

    private static void multipartUpload(S3Client s3, String key, byte[] data, int partSize) {
        String uploadId = s3.createMultipartUpload(b -> b.bucket(BUCKET).key(key)).uploadId();
        List<CompletedPart> parts = new ArrayList<>();
        for (int off = 0, n = 1; off < data.length; off += partSize, n++) {
            byte[] chunk = Arrays.copyOfRange(data, off, Math.min(data.length, off + partSize));
            int partNumber = n;
            String etag = s3.uploadPart(b -> b.bucket(BUCKET).key(key).uploadId(uploadId).partNumber(partNumber),
                    RequestBody.fromBytes(chunk)).eTag();
            parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
        }
        s3.completeMultipartUpload(b -> b.bucket(BUCKET).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts)));
    }

    private static void assertReadBack(S3Client s3, String key, byte[] expected) throws Exception {
        byte[] actual = s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
        assertThat(sha256(actual)).isEqualTo(sha256(expected));
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
