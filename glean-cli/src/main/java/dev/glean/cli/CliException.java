package dev.glean.cli;

/** Ends a command with a one-line message and an exit code of the Interfaces (2 usage, 3 server). */
public final class CliException extends RuntimeException {
    public static final int USAGE = 2;
    public static final int SERVER = 3;
    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
