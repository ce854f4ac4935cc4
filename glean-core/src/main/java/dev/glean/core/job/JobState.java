package dev.glean.core.job;

import java.util.Collection;

/** States of a task, and (aggregated) of a job. */
public enum JobState {
    QUEUED, PLACED, RUNNING, SUSPENDED, CHECKPOINTED, SUCCEEDED, FAILED, CANCELLED, LOST;

    public boolean terminal() {
        return switch (this) {
            case SUCCEEDED, FAILED, CANCELLED, LOST -> true;
            case QUEUED, PLACED, RUNNING, SUSPENDED, CHECKPOINTED -> false;
        };
    }

    /** Holds resources on a node. */
    public boolean onNode() {
        return switch (this) {
            case PLACED, RUNNING, SUSPENDED -> true;
            case QUEUED, CHECKPOINTED, SUCCEEDED, FAILED, CANCELLED, LOST -> false;
        };
    }

    public static JobState parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw dev.glean.core.error.GleanException.invalid("unknown state '" + s + "'; one of "
                    + java.util.Arrays.toString(values()));
        }
    }

    /**
     * A job's state from its tasks': terminal once all are; then SUCCEEDED if all succeeded, CANCELLED if
     * any was cancelled and none failed, else FAILED. While live, the most advanced live state wins.
     */
    public static JobState aggregate(Collection<JobState> tasks) {
        if (tasks.isEmpty()) {
            return QUEUED;
        }
        boolean allTerminal = tasks.stream().allMatch(JobState::terminal);
        if (allTerminal) {
            if (tasks.stream().allMatch(s -> s == SUCCEEDED)) {
                return SUCCEEDED;
            }
            boolean anyFailed = tasks.stream().anyMatch(s -> s == FAILED || s == LOST);
            if (!anyFailed && tasks.stream().anyMatch(s -> s == CANCELLED)) {
                return CANCELLED;
            }
            if (tasks.size() == 1) {
                return tasks.iterator().next();
            }
            return FAILED;
        }
        for (JobState s : new JobState[] {RUNNING, PLACED, SUSPENDED, CHECKPOINTED}) {
            if (tasks.contains(s)) {
                return s;
            }
        }
        return QUEUED;
    }
}
