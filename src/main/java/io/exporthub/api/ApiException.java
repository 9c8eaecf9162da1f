package io.exporthub.api;

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

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
