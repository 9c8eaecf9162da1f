package io.exporthub.pipeline;

/** A failure that retrying cannot fix (missing source, access denied, bad bucket): the file fails at once. */
public class PermanentDeliveryException extends RuntimeException {
    public PermanentDeliveryException(String message) {
        super(message);
    }

    public PermanentDeliveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
