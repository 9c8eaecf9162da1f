package io.exporthub.pipeline;

/** A failure that may pass: network, timeout, 5xx, throttling. Retried with backoff. */
public class TransientDeliveryException extends RuntimeException {
    public TransientDeliveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
