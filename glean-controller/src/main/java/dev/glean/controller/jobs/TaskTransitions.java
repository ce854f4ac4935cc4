package dev.glean.controller.jobs;

import dev.glean.core.job.Attempt;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobState;
import dev.glean.core.job.JobStateMachine;
import dev.glean.core.job.SideEffect;
import dev.glean.core.job.Task;
import dev.glean.core.job.TaskEvent;
import dev.glean.core.job.Transition;
import dev.glean.core.store.StoreTx;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * Runs {@link JobStateMachine} and carries out its side effects inside the caller's transaction: the new
 * task, the attempt records, one event per change. Nodes whose desired state changed are added to
 * {@code touched}; the caller wakes them after the transaction commits.
 */
public final class TaskTransitions {
    private final JobStateMachine machine;

    public TaskTransitions(JobStateMachine machine) {
        this.machine = machine;
    }

    public Transition apply(StoreTx tx, Job job, Task task, TaskEvent event, Set<String> touched) {
        Transition tr = machine.apply(task, job.spec().retries(), event);
        if (!(tr instanceof Transition.Changed ch)) {
            return tr;
        }
        Task after = ch.after();
        tx.updateTask(after);
        Instant at = event.at();
        if (after.state() == JobState.RUNNING && task.state() == JobState.PLACED) {
            tx.attempt(after.jobId(), after.index(), after.attempts()).ifPresent(a -> tx.updateAttempt(new Attempt(
                    a.jobId(), a.index(), a.number(), a.node(), JobState.RUNNING, null, a.placedAt(), at, null, "started")));
        }
        for (SideEffect e : ch.effects()) {
            switch (e) {
                case SideEffect.StartAttempt s -> {
                    tx.insertAttempt(new Attempt(after.jobId(), after.index(), s.attempt(), s.node(), JobState.PLACED, null, at,
                            null, null, "placed"));
                    touched.add(s.node());
                }
                case SideEffect.KillAttempt k -> touched.add(k.node());
                case SideEffect.EndAttempt end -> tx.attempt(after.jobId(), after.index(), end.attempt()).ifPresent(a -> {
                    Instant started = a.startedAt() != null ? a.startedAt() : after.startedAt();
                    tx.updateAttempt(new Attempt(a.jobId(), a.index(), a.number(), a.node(), end.outcome(), end.exitCode(),
                            a.placedAt(), started, at, end.reason()));
                    touched.add(a.node());
                });
            }
        }
        if (task.state().onNode() && !after.state().onNode() && task.node() != null) {
            touched.add(task.node());
        }
        tx.append(new Event(0, at, "task", after.jobId(), job.isArray() ? after.index() : null,
                after.attempts() == 0 ? null : after.attempts(), after.node(), task.state(), after.state(), ch.reason(),
                after.exitCode() == null ? Map.of() : Map.of("exitCode", Integer.toString(after.exitCode()))));
        return tr;
    }
}
