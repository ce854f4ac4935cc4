package dev.glean.core.runtime;

public enum ContainerPhase {
    /** Created or starting; not yet known to run. */
    CREATED,
    RUNNING,
    PAUSED,
    /** Ended; the exit code is known (or the container vanished, then the code is null). */
    EXITED
}
