package dev.glean.controller.nodes;

import dev.glean.core.job.Event;
import dev.glean.core.job.Task;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An attempt the controller asks its node to stop (preemption, drain, requeue). The attempt leaves the node's desired
 * state, so the agent stops it, and the task is requeued only once the node reports it ended: it never runs on two
 * nodes. The event goes into the caller's transaction; the stop itself into the registry only after that commits
 * ({@link #apply}), so a stop never outlives a transaction that rolled back.
 */
public record AttemptStop(String node, Task task, String why) {

    public String attemptId() {
        return task.attemptId();
    }

    /** The event that says so, in the attempt's job history and the node's. */
    public Event event(String type, Instant at, Map<String, String> data) {
        return new Event(0, at, type, task.jobId(), task.index(), task.attempts(), node, null, null,
                "stopping attempt " + task.attemptId() + " — " + why, data);
    }

    /** Registers the stops (after the commit); the callers wake the nodes' long-polls. */
    public static void apply(List<AttemptStop> stops, NodeRegistry registry, Instant at) {
        for (AttemptStop s : stops) {
            registry.stop(s.node(), s.attemptId(), s.why(), at);
        }
    }
}
