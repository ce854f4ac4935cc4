package dev.glean.core.store;

import dev.glean.core.job.Attempt;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobState;
import dev.glean.core.job.Task;
import dev.glean.core.node.Node;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Reads, inside one transaction of {@link Storage}. */
public interface StoreView {
    Optional<Job> job(String id);

    /** Ordered by submission (oldest first). */
    List<Job> jobs(JobFilter filter);

    /** Tasks in any of the states, ordered by job submission then index; the scheduler's queue. */
    List<Task> tasksInStates(Collection<JobState> states);

    /** Tasks that hold resources on the node now (PLACED, RUNNING, SUSPENDED), by job submission then index. */
    List<Task> tasksOnNode(String node);

    /** Every attempt of the job, by task index then number. */
    List<Attempt> attempts(String jobId);

    Optional<Attempt> attempt(String jobId, int index, int number);

    Optional<Node> node(String name);

    List<Node> nodes();

    List<Event> events(EventFilter filter);

    /** The highest event seq, 0 if none. */
    long lastEventSeq();

    /** Ids of the jobs on hold (their queued tasks are not placed); few, so read whole. */
    java.util.Set<String> heldJobs();

    /** Bytes of log stored for the attempt (its container id). */
    long logSize(String attemptId);

    /** Up to {@code max} bytes of the attempt's stored log from {@code offset}. */
    byte[] readLog(String attemptId, long offset, int max);
}
