package dev.glean.controller.jobs;

import dev.glean.controller.ChangeFeed;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobSpec;
import dev.glean.core.job.JobState;
import dev.glean.core.job.Task;
import dev.glean.core.job.TaskEvent;
import dev.glean.core.job.VolumeMount;
import dev.glean.core.store.JobFilter;
import dev.glean.core.store.Storage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Submitting, reading and cancelling jobs; every change is one transaction with its events. */
public final class JobService {
    private final Storage storage;
    private final TaskTransitions transitions;
    private final ChangeFeed feed;
    private final Clock clock;
    private final List<String> allowedVolumes;
    private final Runnable onQueued;

    public JobService(Storage storage, TaskTransitions transitions, ChangeFeed feed, Clock clock, List<String> allowedVolumes,
            Runnable onQueued) {
        this.storage = storage;
        this.transitions = transitions;
        this.feed = feed;
        this.clock = clock;
        this.allowedVolumes = List.copyOf(allowedVolumes);
        this.onQueued = onQueued;
    }

    public Job submit(JobSpec spec) {
        for (VolumeMount v : spec.volumes()) {
            if (allowedVolumes.stream().noneMatch(p -> v.hostPath().equals(p) || v.hostPath().startsWith(p.endsWith("/") ? p : p + "/"))) {
                throw new GleanException(ErrorCode.PERMISSION_DENIED,
                        "volume " + v.hostPath() + " is not in the controller's allow-list (controller.volumes)");
            }
        }
        Instant now = clock.instant();
        Job job = storage.write(tx -> {
            String id = tx.nextJobId();
            List<Task> tasks = new ArrayList<>(spec.taskCount());
            for (int i = 0; i < spec.taskCount(); i++) {
                tasks.add(Task.queued(id, spec.firstIndex() + i));
            }
            Job j = new Job(id, spec, now, tasks);
            tx.insertJob(j);
            tx.append(new Event(0, now, "submitted", id, null, null, null, null, JobState.QUEUED,
                    "submitted by tenant " + spec.tenant(), Map.of("tasks", Integer.toString(tasks.size()))));
            return tx.job(id).orElseThrow();
        });
        feed.bump();
        onQueued.run();
        return job;
    }

    public Job get(String id) {
        return storage.read(v -> v.job(id)).orElseThrow(() -> GleanException.notFound("no job '" + id + "'"));
    }

    public List<Job> list(JobState state) {
        return page(state == null ? JobFilter.ALL : JobFilter.inState(state));
    }

    public List<Job> page(JobFilter filter) {
        return storage.read(v -> v.jobs(filter));
    }

    public Job cancel(String id, String reason) {
        Set<String> touched = new HashSet<>();
        Job result = storage.write(tx -> {
            Job job = tx.job(id).orElseThrow(() -> GleanException.notFound("no job '" + id + "'"));
            if (job.state().terminal()) {
                throw new GleanException(ErrorCode.ILLEGAL_STATE, "job " + id + " already ended " + job.state());
            }
            Instant now = clock.instant();
            for (Task t : job.tasks()) {
                if (!t.state().terminal()) {
                    transitions.apply(tx, job, t, new TaskEvent.Cancel(reason, now), touched);
                }
            }
            return tx.job(id).orElseThrow();
        });
        touched.forEach(feed::bumpNode);
        feed.bump();
        return result;
    }

    /** Blocks until the job is terminal or {@code max} passes; returns it as it is then. */
    public Job awaitTerminal(String id, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            long seen = feed.version();
            Job j = get(id);
            long left = deadline - System.nanoTime();
            if (j.state().terminal() || left <= 0) {
                return j;
            }
            feed.awaitChange(seen, Duration.ofNanos(left));
        }
    }
}
