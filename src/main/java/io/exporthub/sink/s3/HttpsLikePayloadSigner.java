package io.exporthub.sink.s3;

import java.util.concurrent.CompletableFuture;

import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.scheme.AwsV4AuthScheme;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.scheme.AuthScheme;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignRequest;
import software.amazon.awssdk.http.auth.spi.signer.AsyncSignedRequest;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.IdentityProvider;
import software.amazon.awssdk.identity.spi.IdentityProviders;

/**
 * SigV4 that treats a plain-http endpoint as the AWS SDK treats https: the request and its headers
 * are signed and the body is declared {@code UNSIGNED-PAYLOAD}. Left to itself, the SDK signs every
 * body it sends over plain http in 128 KiB chunks ({@code aws-chunked}), which costs the client a
 * hash of every byte and the server a decoding of every byte: on s3proxy more than twice the time
 * of the upload itself. rclone sends its bodies unsigned too. A connector with
 * {@code sign_payload=true} keeps the SDK's own signing.
 *
 * <p>The signature covers the method, path, query, headers and the payload's declared hash, not
 * the scheme, so the request is signed as its https twin (same host, port and Host header) and sent
 * as it was.
 */
final class HttpsLikePayloadSigner implements HttpSigner<AwsCredentialsIdentity> {

    private static final HttpSigner<AwsCredentialsIdentity> SIGV4 = AwsV4HttpSigner.create();

    /** The SDK's SigV4 scheme with this signer in place of its own. */
    static AuthScheme<AwsCredentialsIdentity> scheme() {
        HttpSigner<AwsCredentialsIdentity> signer = new HttpsLikePayloadSigner();
        return new AuthScheme<>() {
            @Override
            public String schemeId() {
                return AwsV4AuthScheme.SCHEME_ID;
            }

            @Override
            public IdentityProvider<AwsCredentialsIdentity> identityProvider(IdentityProviders providers) {
                return providers.identityProvider(AwsCredentialsIdentity.class);
            }

            @Override
            public HttpSigner<AwsCredentialsIdentity> signer() {
                return signer;
            }
        };
    }

    @Override
    public SignedRequest sign(SignRequest<? extends AwsCredentialsIdentity> request) {
        SdkHttpRequest sent = request.request();
        if (!isPlainHttp(sent)) {
            return SIGV4.sign(request);
        }
        SignedRequest signed = SIGV4.sign(request.copy(r -> r.request(asHttps(sent))));
        return signed.copy(r -> r.request(asSent(signed.request(), sent)));
    }

    @Override
    public CompletableFuture<AsyncSignedRequest> signAsync(AsyncSignRequest<? extends AwsCredentialsIdentity> request) {
        SdkHttpRequest sent = request.request();
        if (!isPlainHttp(sent)) {
            return SIGV4.signAsync(request);
        }
        return SIGV4.signAsync(request.copy(r -> r.request(asHttps(sent))))
                .thenApply(signed -> signed.copy(r -> r.request(asSent(signed.request(), sent))));
    }

    private static boolean isPlainHttp(SdkHttpRequest request) {
        return "http".equalsIgnoreCase(request.protocol());
    }

    /**
     * The same request over https, carrying the Host header it is sent with over http (the port
     * shown unless it is 80), so that the signed Host is the one the server receives.
     */
    private static SdkHttpRequest asHttps(SdkHttpRequest request) {
        String host = request.port() == 80 || request.port() < 0 ? request.host() : request.host() + ":" + request.port();
        return request.toBuilder().protocol("https").putHeader("Host", host).build();
    }

    private static SdkHttpRequest asSent(SdkHttpRequest signed, SdkHttpRequest sent) {
        return signed.toBuilder().protocol(sent.protocol()).build();
    }
}
