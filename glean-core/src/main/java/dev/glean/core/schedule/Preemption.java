package dev.glean.core.schedule;

import java.util.List;

/**
 * Stop {@code victims} (all of lower priority) on {@code node} to make room for the task; the node is reserved for
 * it, and it is placed there once the victims are gone (their memory is in use until the node reports them
 * stopped, so placing at once would over-commit it).
 */
public record Preemption(String jobId, int index, String node, List<RunningTask> victims) implements Outcome {
    public Preemption {
        victims = List.copyOf(victims);
    }
}
