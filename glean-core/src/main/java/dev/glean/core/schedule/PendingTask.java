package dev.glean.core.schedule;

import dev.glean.core.resources.Resources;
import java.util.Map;

/** A queued task waiting for a node. {@code order} is its submission order (lower first among equal priority). */
public record PendingTask(String jobId, int index, Resources request, int priority, long order, Map<String, String> constraints) {
    public PendingTask {
        constraints = Map.copyOf(constraints);
    }
}
