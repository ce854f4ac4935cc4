package dev.glean.core.schedule;

/** What the scheduler decided for one queued task it considered. */
public sealed interface Outcome permits Placement, Preemption, Waiting {
    String jobId();

    int index();

    default TaskKey key() {
        return new TaskKey(jobId(), index());
    }
}
