package dev.glean.core.error;

/** Every failure glean reports carries one of these; the HTTP status is what the API answers with. */
public enum ErrorCode {
    INVALID_ARGUMENT(400),
    MALFORMED_REQUEST(400),
    UNKNOWN_FIELD(400),
    NOT_FOUND(404),
    METHOD_NOT_ALLOWED(405),
    CONFLICT(409),
    ILLEGAL_STATE(409),
    PAYLOAD_TOO_LARGE(413),
    UNSUPPORTED_MEDIA_TYPE(415),
    UNAUTHENTICATED(401),
    PERMISSION_DENIED(403),
    UNAVAILABLE(503),
    STORAGE_ERROR(500),
    RUNTIME_ERROR(500),
    HOST_UNSUPPORTED(500),
    CONFIG_INVALID(400),
    INTERNAL(500);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
