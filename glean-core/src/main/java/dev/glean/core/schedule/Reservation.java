package dev.glean.core.schedule;

import java.time.Instant;

/**
 * A node held for one queued task: it takes no other new work until the task fits there. DRAIN: granted to a task
 * that waited longer than {@code reserveAfter} and fits nowhere, so the node empties as its tasks end (backfill
 * without starving big tasks). PREEMPTION: the node's lower-priority victims are being stopped for it.
 * The scheduler is stateless between cycles: the caller hands the reservations of one result to the next call.
 */
public record Reservation(String jobId, int index, String node, Instant since, Kind kind) {
    public enum Kind { DRAIN, PREEMPTION }

    public TaskKey key() {
        return new TaskKey(jobId, index);
    }
}
