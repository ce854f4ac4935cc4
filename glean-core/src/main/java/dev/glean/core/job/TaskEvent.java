package dev.glean.core.job;

import java.time.Instant;

/** What can happen to a task. Reports from agents are matched to the current attempt before they get here. */
public sealed interface TaskEvent {
    Instant at();

    record Place(String node, Instant at) implements TaskEvent {}

    record Started(Instant at) implements TaskEvent {}

    record Exited(int exitCode, Instant at) implements TaskEvent {}

    record LaunchFailed(String reason, Instant at) implements TaskEvent {}

    record Cancel(String reason, Instant at) implements TaskEvent {}

    /** The node stopped renewing its lease; by then the agent has stopped the attempt itself. */
    record Lost(String reason, Instant at) implements TaskEvent {}

    /** The node's guard killed the attempt to protect the incumbents; not the job's fault. */
    record Evicted(String reason, Instant at) implements TaskEvent {}

    record TimedOut(Instant at) implements TaskEvent {}

    /**
     * The controller took the attempt off its node — to make room for a higher-priority task, or because an admin
     * drained the node — and the node reported it ended. Not the job's fault, and the controller's own choice: the
     * task always goes back to the queue, without spending a retry. It counts as a lost attempt, so it does use up
     * one of {@code maxRequeues} for a later loss of its node. {@code reason} is the whole reason ("preempted: …",
     * "drained: …").
     */
    record Displaced(String reason, Instant at) implements TaskEvent {}
}
