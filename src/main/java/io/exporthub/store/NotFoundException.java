package io.exporthub.store;

/** The thing the field names does not exist (or not in the caller's workspace, which is the same to the caller). */
public class NotFoundException extends DomainException {
    public NotFoundException(String field, String reason) {
        super(field, reason);
    }
}
