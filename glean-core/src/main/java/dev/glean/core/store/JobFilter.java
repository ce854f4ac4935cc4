package dev.glean.core.store;

import dev.glean.core.job.JobState;

/** Which jobs to list: optionally one state (the job's aggregate), ids after {@code afterId}, at most {@code limit}. */
public record JobFilter(JobState state, String afterId, int limit) {
    public static final JobFilter ALL = new JobFilter(null, null, Integer.MAX_VALUE);

    public static JobFilter inState(JobState s) {
        return new JobFilter(s, null, Integer.MAX_VALUE);
    }
}
