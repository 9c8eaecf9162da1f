package io.exporthub.store;

/** The value of the field cannot be taken as it is. */
public class InvalidInputException extends DomainException {
    public InvalidInputException(String field, String reason) {
        super(field, reason);
    }
}
