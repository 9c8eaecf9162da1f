package io.exporthub.api;

import io.exporthub.store.ConflictException;
import io.exporthub.store.DomainException;
import io.exporthub.store.NotFoundException;

/** An error answered to the client: HTTP status, envelope code and a message naming the field. */
public class ApiException extends RuntimeException {

    private final int status;
    private final String code;

    public ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "ErrParamInvalid", message);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "ErrUnauthorized", message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "ErrForbidden", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "ErrNotFound", message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, "ErrConflict", message);
    }

    /**
     * What the first ApiException or domain refusal in the cause chain answers, or null when the
     * failure is not the caller's (an internal error): the one place where store refusals become
     * statuses, for every API.
     */
    public static ApiException of(Throwable thrown) {
        for (Throwable c = thrown; c != null; c = c.getCause()) {
            if (c instanceof ApiException api) {
                return api;
            }
            if (c instanceof DomainException refusal) {
                return of(refusal);
            }
        }
        return null;
    }

    /** Not found 404, conflict 409, invalid input (and any other refusal) 400. */
    private static ApiException of(DomainException refusal) {
        ApiException api = refusal instanceof NotFoundException ? notFound(refusal.getMessage())
                : refusal instanceof ConflictException ? conflict(refusal.getMessage())
                : badRequest(refusal.getMessage());
        api.initCause(refusal);
        return api;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
