package io.exporthub.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.BlobMetadata;
import org.jclouds.blobstore.domain.MultipartPart;
import org.jclouds.blobstore.domain.MultipartUpload;
import org.jclouds.blobstore.options.PutOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * In-process S3 server (s3proxy over the jclouds filesystem blobstore) with SigV4 auth.
 * Survives stop()/start() on the same port with the same data, and counts object writes.
 */
public final class S3Server implements AutoCloseable {

    private final String accessKey;
    private final String secretKey;
    private final BlobStoreContext context;
    private final BlobStore blobStore;
    // keys of successful writes (PUT object or completed multipart upload), in order
    private final Queue<String> writtenKeys = new ConcurrentLinkedQueue<>();
    private S3Proxy proxy;
    private int port; // 0 until the first start picks a free port

    public S3Server(Path baseDir, String accessKey, String secretKey) throws IOException {
        Files.createDirectories(baseDir);
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        Properties props = new Properties();
        props.setProperty("jclouds.filesystem.basedir", baseDir.toAbsolutePath().toString());
        this.context = ContextBuilder.newBuilder("filesystem").overrides(props).build(BlobStoreContext.class);
        this.blobStore = new CountingBlobStore(context.getBlobStore());
    }

    /** On a fixed port (0: a free one), for a server other processes must find. */
    public S3Server(Path baseDir, String accessKey, String secretKey, int port) throws IOException {
        this(baseDir, accessKey, secretKey);
        this.port = port;
    }

    public S3Server(Path baseDir) throws IOException {
        this(baseDir, "test-access", "test-secret");
    }

    public synchronized void start() throws Exception {
        if (proxy != null) {
            return;
        }
        // A fresh proxy per start (port 0 first, then the remembered port) instead of restarting a stopped Jetty.
        S3Proxy p = S3Proxy.builder()
                .blobStore(blobStore)
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .ignoreUnknownHeaders(true) // SDK v2 sends headers s3proxy does not know
                .build();
        p.start();
        // s3proxy's documented pattern: start() may return before Jetty reports STARTED
        try {
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                    .until(() -> "STARTED".equals(p.getState()));
        } catch (ConditionTimeoutException e) {
            p.stop();
            throw new IllegalStateException("s3proxy did not start: " + p.getState());
        }
        port = p.getPort();
        proxy = p;
    }

    /** Stops the HTTP server completely: new connections are refused until {@link #start()}. */
    public synchronized void stop() throws Exception {
        if (proxy != null) {
            proxy.stop();
            proxy = null;
        }
    }

    @Override
    public synchronized void close() throws Exception {
        stop();
        context.close();
    }

    public int port() {
        return port;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public void createBucket(String name) {
        blobStore.createContainerInLocation(null, name);
    }

    /** SDK v2 client for this server; caller closes it. */
    public S3Client client() {
        return clientBuilder().build();
    }

    /** Preconfigured builder, for tests that need interceptors or other overrides. */
    public S3ClientBuilder clientBuilder() {
        return S3Client.builder()
                .endpointOverride(URI.create(endpoint()))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }

    public int putCount() {
        return writtenKeys.size();
    }

    public int putCount(String keyPrefix) {
        return (int) writtenKeys.stream().filter(k -> k.startsWith(keyPrefix)).count();
    }

    public void resetCounts() {
        writtenKeys.clear();
    }

    /** Counts writes at the BlobStore boundary; internal part storage of the delegate is not seen here. */
    private final class CountingBlobStore extends ForwardingBlobStore {
        // s3proxy stores a metadata stub blob named after the upload id on initiate (filesystem quirk)
        private final Set<String> openUploads = ConcurrentHashMap.newKeySet();

        CountingBlobStore(BlobStore delegate) {
            super(delegate);
        }

        @Override
        public String putBlob(String container, Blob blob) {
            return counted(blob.getMetadata().getName(), super.putBlob(container, blob));
        }

        @Override
        public String putBlob(String container, Blob blob, PutOptions options) {
            return counted(blob.getMetadata().getName(), super.putBlob(container, blob, options));
        }

        @Override
        public MultipartUpload initiateMultipartUpload(String container, BlobMetadata metadata, PutOptions options) {
            MultipartUpload mpu = super.initiateMultipartUpload(container, metadata, options);
            openUploads.add(mpu.id());
            return mpu;
        }

        @Override
        public void abortMultipartUpload(MultipartUpload mpu) {
            super.abortMultipartUpload(mpu);
            openUploads.remove(mpu.id());
        }

        @Override
        public String completeMultipartUpload(MultipartUpload mpu, List<MultipartPart> parts) {
            String etag = super.completeMultipartUpload(mpu, parts);
            openUploads.remove(mpu.id());
            writtenKeys.add(mpu.blobName());
            return etag;
        }

        private String counted(String key, String etag) {
            if (openUploads.stream().noneMatch(key::endsWith)) {
                writtenKeys.add(key);
            }
            return etag;
        }
    }
}
