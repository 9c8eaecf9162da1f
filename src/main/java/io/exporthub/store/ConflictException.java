package io.exporthub.store;

/** The request is valid but clashes with the current state (a name taken, a connector still in use). */
public class ConflictException extends DomainException {
    public ConflictException(String field, String reason) {
        super(field, reason);
    }
}
