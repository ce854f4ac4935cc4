package dev.glean.core.error;

/** The one exception type of glean: an {@link ErrorCode} and a message fit to show a user. */
public class GleanException extends RuntimeException {
    private final ErrorCode code;

    public GleanException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public GleanException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }

    public static GleanException invalid(String message) {
        return new GleanException(ErrorCode.INVALID_ARGUMENT, message);
    }

    public static GleanException notFound(String message) {
        return new GleanException(ErrorCode.NOT_FOUND, message);
    }
}
