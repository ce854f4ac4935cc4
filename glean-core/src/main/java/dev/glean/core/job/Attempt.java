package dev.glean.core.job;

import java.time.Instant;

/** One try of a task on one node. {@code state} is RUNNING while live, then how it ended. */
public record Attempt(
        String jobId,
        int index,
        int number,
        String node,
        JobState state,
        Integer exitCode,
        Instant placedAt,
        Instant startedAt,
        Instant finishedAt,
        String reason) {

    public String attemptId() {
        return AttemptId.of(jobId, index, number);
    }
}
