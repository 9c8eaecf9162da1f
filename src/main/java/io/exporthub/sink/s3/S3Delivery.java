package io.exporthub.sink.s3;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.exporthub.ExchangeProperties;
import io.exporthub.connector.Connector;
import io.exporthub.connector.ConnectorStore;
import io.exporthub.pipeline.Delivery;
import io.exporthub.sink.Payloads;
import io.exporthub.sink.Sink;
import io.exporthub.task.Target;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.aws2.s3.AWS2S3Constants;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.retry.RetryPolicy;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Prepares a file for the {@code aws2-s3} producer: the bucket and key of the contract's layout,
 * the staged payload as a {@link java.io.File}, and a client per connector (its endpoint, region,
 * credentials, path style, checksums only when required, which OSS and many S3-compatible stores
 * need, and bodies sent unsigned over plain http as over https unless the connector asks otherwise:
 * {@link HttpsLikePayloadSigner}). The route does the upload.
 */
public class S3Delivery implements Sink {

    private final CamelContext context;
    private final ConnectorStore connectors;
    private final Payloads payloads;
    private final Duration socketTimeout;

    public S3Delivery(CamelContext context, ConnectorStore connectors, Payloads payloads, Duration socketTimeout) {
        this.context = context;
        this.connectors = connectors;
        this.payloads = payloads;
        this.socketTimeout = socketTimeout;
        connectors.onDelete(this::forget);
    }

    public void prepare(Exchange exchange) {
        Delivery delivery = exchange.getProperty(ExchangeProperties.DELIVERY, Delivery.class);
        Target target = exchange.getProperty(ExchangeProperties.TARGET, Target.class);
        delivery.attempt(target);
        Connector connector = connectors.get(target.connectorId());
        String[] bucketAndPrefix = connector.setting("bucket_name").split("/", 2);
        Payloads.Payload payload = payloads.stage(exchange, delivery, target.compress());

        List<String> parts = new ArrayList<>();
        if (bucketAndPrefix.length > 1) {
            parts.add(bucketAndPrefix[1]);
        }
        parts.add(target.path());
        parts.add(delivery.getFile().relativePath() + payload.suffix());
        String key = String.join("/", parts.stream().flatMap(p -> List.of(p.split("/")).stream()).filter(p -> !p.isEmpty()).toList());

        exchange.setProperty(ExchangeProperties.S3_BUCKET, bucketAndPrefix[0]);
        exchange.setProperty(ExchangeProperties.S3_CLIENT, clientFor(connector));
        exchange.setProperty(ExchangeProperties.LOCATION, connector.kind().id() + "://" + bucketAndPrefix[0] + "/" + key);
        exchange.getMessage().setHeader(AWS2S3Constants.KEY, key);
        exchange.getMessage().setBody(payload.file().toFile());
    }

    public void delivered(Exchange exchange) {
        exchange.getProperty(ExchangeProperties.DELIVERY, Delivery.class).delivered(exchange.getProperty(ExchangeProperties.LOCATION, String.class));
    }

    @Override
    public String targetKind() {
        return Target.S3;
    }

    /** Server errors, throttling and timeouts are retried; other answers (403, 404...) are not. */
    @Override
    public Boolean verdict(Throwable t) {
        if (t instanceof SdkServiceException service) {
            return service.statusCode() >= 500 || service.statusCode() == 429 || service.statusCode() == 408
                    || service.isThrottlingException();
        }
        return null;
    }

    /** The SDK wraps connection failures, resets and timeouts it could not complete. */
    @Override
    public boolean isUnreachable(Throwable t) {
        return t instanceof SdkClientException || Sink.super.isUnreachable(t);
    }

    @Override
    public String words(Throwable t) {
        if (t instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
            return "the store answered " + aws.statusCode() + " " + aws.awsErrorDetails().errorCode()
                    + ": " + aws.awsErrorDetails().errorMessage();
        }
        return null;
    }

    @Override
    public String lastWords(Throwable failure) {
        if (failure instanceof SdkClientException && failure.getMessage() != null) {
            // our own count of attempts follows; the SDK's (always 1, it does not retry here) would only confuse
            return failure.getMessage().replaceAll(" \\(SDK Attempt Count: \\d+\\)$", "");
        }
        return null;
    }

    /** Health: null when the bucket answers, else the reason it does not. */
    @Override
    public String probe(Connector connector) {
        String bucket = connector.setting("bucket_name").split("/", 2)[0];
        S3Client client = context.getRegistry().lookupByNameAndType(clientFor(connector), S3Client.class);
        try {
            client.headBucket(b -> b.bucket(bucket));
            return null;
        } catch (SdkException e) {
            return describe(e);
        }
    }

    /** The registry name of this connector's client, made on first use. */
    private String clientFor(Connector connector) {
        String name = "exporthub-s3-client-" + connector.id();
        synchronized (this) {
            if (context.getRegistry().lookupByName(name) == null) {
                context.getRegistry().bind(name, S3Client.class, newClient(connector));
            }
        }
        return name;
    }

    private S3Client newClient(Connector connector) {
        var builder = S3Client.builder()
                .region(Region.of(connector.setting("region")))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        connector.setting("access_key_id"), connector.setting("access_key_secret"))))
                .forcePathStyle(Boolean.parseBoolean(connector.setting("path_style")))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder()
                        // With "Expect: 100-continue" a store that refuses a PUT (404, 403) answers before the
                        // body and must then close the connection, which the pool may already have handed to
                        // the next upload: a broken pipe that hid the store's answer. It also cost a round
                        // trip per file.
                        .expectContinueEnabled(false)
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(socketTimeout))
                // Retries belong to the route (backoff, dead letter, per-file details), not to the SDK.
                .overrideConfiguration(o -> o.retryPolicy(RetryPolicy.none()));
        if (!Boolean.parseBoolean(connector.setting("sign_payload"))) {
            builder.putAuthScheme(HttpsLikePayloadSigner.scheme());
        }
        String endpoint = connector.setting("endpoint");
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint));
        }
        return builder.build();
    }

    private synchronized void forget(Connector connector) {
        String name = "exporthub-s3-client-" + connector.id();
        Object client = context.getRegistry().lookupByName(name);
        if (client instanceof S3Client s3) {
            context.getRegistry().unbind(name);
            s3.close();
        }
    }
}
