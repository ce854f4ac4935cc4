package dev.glean.core.schedule;

import dev.glean.core.resources.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A queued task waiting for a node. {@code order} is its submission order (lower first among one tenant's tasks of
 * equal priority); {@code queuedAt} is since when it has waited (a long wait earns it a reservation);
 * {@code expectedRuntime} is how long it is expected to run (its timeout, say), null when unknown.
 */
public record PendingTask(String jobId, int index, Resources request, int priority, long order, Map<String, String> constraints,
        String tenant, Instant queuedAt, Duration expectedRuntime) {
    public PendingTask {
        constraints = Map.copyOf(constraints);
        java.util.Objects.requireNonNull(tenant, "tenant");
        java.util.Objects.requireNonNull(queuedAt, "queuedAt");
    }

    public TaskKey key() {
        return new TaskKey(jobId, index);
    }
}
