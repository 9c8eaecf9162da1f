package io.exporthub.store;

/**
 * What a store refuses, in the store's own terms: which field of the request it concerns and why.
 * The APIs map the kinds to their statuses (one error mapper each); in-process callers get them as
 * the HTTP API would answer them (see routes/inprocess-api.camel.yaml).
 */
public abstract class DomainException extends RuntimeException {

    private final String field;

    protected DomainException(String field, String reason) {
        super(field + ": " + reason);
        this.field = field;
    }

    /** The request field the refusal concerns, e.g. {@code id}, {@code files[2]}, {@code where.age.$gt}. */
    public String field() {
        return field;
    }
}
