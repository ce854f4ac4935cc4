package dev.glean.core.job;

import java.time.Instant;

/**
 * One unit of work: a plain job has one task (index 0), an array job one per index. {@code attempts} counts
 * the attempts started; {@code node}, {@code exitCode}, {@code startedAt}, {@code finishedAt} and
 * {@code reason} describe the current or last attempt and may be null.
 */
public record Task(
        String jobId,
        int index,
        JobState state,
        int attempts,
        int lostAttempts,
        String node,
        Integer exitCode,
        Instant startedAt,
        Instant finishedAt,
        String reason) {

    public static Task queued(String jobId, int index) {
        return new Task(jobId, index, JobState.QUEUED, 0, 0, null, null, null, null, "submitted");
    }

    /** The container id of the current attempt; runc ids allow [A-Za-z0-9_+.-]. */
    public String attemptId() {
        return AttemptId.of(jobId, index, attempts);
    }

    Task with(JobState s, String reason) {
        return new Task(jobId, index, s, attempts, lostAttempts, node, exitCode, startedAt, finishedAt, reason);
    }
}
