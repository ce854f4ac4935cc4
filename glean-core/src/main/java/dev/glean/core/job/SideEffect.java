package dev.glean.core.job;

/** What the controller must carry out after a transition; the state machine itself does no I/O. */
public sealed interface SideEffect {
    /** Record the new attempt and have the node run it. */
    record StartAttempt(String node, int attempt) implements SideEffect {}

    /** Have the node stop the attempt (the desired state no longer lists it). */
    record KillAttempt(String node, int attempt, String reason) implements SideEffect {}

    /** Close the attempt's record with how it ended. */
    record EndAttempt(int attempt, JobState outcome, Integer exitCode, String reason) implements SideEffect {}
}
