package dev.glean.core.job;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** A job: its spec and its tasks (one, or one per array index). */
public record Job(String id, JobSpec spec, Instant submittedAt, List<Task> tasks) {
    public Job {
        tasks = List.copyOf(tasks);
    }

    public JobState state() {
        return JobState.aggregate(tasks.stream().map(Task::state).toList());
    }

    public boolean isArray() {
        return spec.array() != null;
    }

    public Map<JobState, Integer> taskCounts() {
        Map<JobState, Integer> m = new EnumMap<>(JobState.class);
        for (Task t : tasks) {
            m.merge(t.state(), 1, Integer::sum);
        }
        return m;
    }

    public Instant startedAt() {
        return tasks.stream().map(Task::startedAt).filter(java.util.Objects::nonNull).min(Instant::compareTo).orElse(null);
    }

    public Instant finishedAt() {
        if (!state().terminal()) {
            return null;
        }
        return tasks.stream().map(Task::finishedAt).filter(java.util.Objects::nonNull).max(Instant::compareTo).orElse(null);
    }

    /** For a single task job its exit code; for an array the first non-zero one, else 0 once all ended. */
    public Integer exitCode() {
        if (tasks.size() == 1) {
            return tasks.get(0).exitCode();
        }
        if (!state().terminal()) {
            return null;
        }
        return tasks.stream().map(Task::exitCode).filter(c -> c != null && c != 0).findFirst()
                .orElse(tasks.stream().allMatch(t -> t.exitCode() != null) ? 0 : null);
    }

    public String node() {
        if (tasks.size() == 1) {
            return tasks.get(0).node();
        }
        return null;
    }

    public int attempts() {
        return tasks.stream().mapToInt(Task::attempts).sum();
    }

    public Task task(int index) {
        for (Task t : tasks) {
            if (t.index() == index) {
                return t;
            }
        }
        return null;
    }
}
