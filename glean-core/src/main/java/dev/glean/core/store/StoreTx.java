package dev.glean.core.store;

import dev.glean.core.job.Attempt;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.Task;
import dev.glean.core.node.Node;

/** Writes, inside one transaction of {@link Storage}: all of them land or none. */
public interface StoreTx extends StoreView {
    /** A fresh job id, unique forever in this store (never reused after a restart). */
    String nextJobId();

    /** Inserts the job with all its tasks. CONFLICT if the id exists. */
    void insertJob(Job job);

    /** Replaces the task (found by job id and index). NOT_FOUND if it does not exist. */
    void updateTask(Task task);

    void insertAttempt(Attempt attempt);

    void updateAttempt(Attempt attempt);

    void upsertNode(Node node);

    /** Puts a job on hold or releases it; NOT_FOUND for an unknown job. Idempotent. */
    void setHeld(String jobId, boolean held);

    /** Appends to the event log; returns the event's seq (increasing, never reused). */
    long append(Event event);

    /**
     * Appends log bytes to an attempt if {@code offset} equals its stored size (so a resent chunk is harmless);
     * returns the stored size afterwards either way.
     */
    long appendLog(String attemptId, long offset, byte[] data);
}
