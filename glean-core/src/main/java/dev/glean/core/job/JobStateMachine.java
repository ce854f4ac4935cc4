package dev.glean.core.job;

import dev.glean.core.job.SideEffect.EndAttempt;
import dev.glean.core.job.SideEffect.KillAttempt;
import dev.glean.core.job.SideEffect.StartAttempt;
import dev.glean.core.job.TaskEvent.Cancel;
import dev.glean.core.job.TaskEvent.Evicted;
import dev.glean.core.job.TaskEvent.Exited;
import dev.glean.core.job.TaskEvent.LaunchFailed;
import dev.glean.core.job.TaskEvent.Lost;
import dev.glean.core.job.TaskEvent.Place;
import dev.glean.core.job.TaskEvent.Displaced;
import dev.glean.core.job.TaskEvent.Started;
import dev.glean.core.job.TaskEvent.TimedOut;
import java.util.List;

/**
 * (task, event) -> transition. Pure: the caller persists the new task and carries out the side effects in one
 * transaction. A task that fails is retried while it has attempts left ({@code retries + 1} in all); a task
 * lost with its node or evicted by a guard goes back to the queue without spending a retry, up to
 * {@code maxRequeues} times, after which it ends LOST. A task the controller displaced (preempted, drained) is always requeued.
 */
public final class JobStateMachine {
    private final int maxRequeues;

    public JobStateMachine(int maxRequeues) {
        this.maxRequeues = maxRequeues;
    }

    public Transition apply(Task t, int retries, TaskEvent event) {
        JobState s = t.state();
        if (s.terminal()) {
            return switch (event) {
                case Cancel c -> new Transition.Illegal(s, "already " + s);
                case Place p -> new Transition.Illegal(s, "cannot place a task that is " + s);
                default -> new Transition.Ignored("task is " + s);
            };
        }
        return switch (s) {
            case QUEUED, CHECKPOINTED -> fromQueued(t, event);
            case PLACED, RUNNING, SUSPENDED -> fromOnNode(t, retries, event);
            case SUCCEEDED, FAILED, CANCELLED, LOST -> throw new IllegalStateException("terminal handled above");
        };
    }

    private Transition fromQueued(Task t, TaskEvent event) {
        return switch (event) {
            case Place p -> {
                int n = t.attempts() + 1;
                Task after = new Task(t.jobId(), t.index(), JobState.PLACED, n, t.lostAttempts(), p.node(), null, null, null,
                        "placed on " + p.node());
                yield new Transition.Changed(t, after, List.of(new StartAttempt(p.node(), n)), after.reason());
            }
            case Cancel c -> ended(t, JobState.CANCELLED, null, c.at(), c.reason(), List.of());
            case Started st -> new Transition.Ignored("no attempt is live");
            case Exited ex -> new Transition.Ignored("no attempt is live");
            case LaunchFailed lf -> new Transition.Ignored("no attempt is live");
            case Lost l -> new Transition.Ignored("no attempt is live");
            case Evicted ev -> new Transition.Ignored("no attempt is live");
            case TimedOut to -> new Transition.Ignored("no attempt is live");
            case Displaced d -> new Transition.Ignored("no attempt is live");
        };
    }

    private Transition fromOnNode(Task t, int retries, TaskEvent event) {
        int n = t.attempts();
        return switch (event) {
            case Place p -> new Transition.Illegal(t.state(), "already " + t.state() + " on " + t.node());
            case Started st -> {
                if (t.state() != JobState.PLACED) {
                    yield new Transition.Ignored("already " + t.state());
                }
                Task after = new Task(t.jobId(), t.index(), JobState.RUNNING, n, t.lostAttempts(), t.node(), null, st.at(), null,
                        "started on " + t.node());
                yield new Transition.Changed(t, after, List.of(), after.reason());
            }
            case Exited ex -> {
                Task started = t.startedAt() == null ? withStart(t, ex.at()) : t;
                if (ex.exitCode() == 0) {
                    yield ended(started, JobState.SUCCEEDED, 0, ex.at(), "exited 0",
                            List.of(new EndAttempt(n, JobState.SUCCEEDED, 0, "exited 0")));
                }
                yield failedOrRetry(started, retries, ex.exitCode(), ex.at(), "exited " + ex.exitCode(), List.of());
            }
            case LaunchFailed lf -> failedOrRetry(t, retries, null, lf.at(), "launch failed: " + lf.reason(), List.of());
            case TimedOut to -> failedOrRetry(t, retries, null, to.at(), "timed out",
                    List.of(new KillAttempt(t.node(), n, "timed out")));
            case Cancel c -> ended(t, JobState.CANCELLED, null, c.at(), c.reason(),
                    List.of(new KillAttempt(t.node(), n, c.reason()), new EndAttempt(n, JobState.CANCELLED, null, c.reason())));
            case Lost l -> requeueOrEnd(t, JobState.LOST, l.at(), "lost: " + l.reason(), List.of());
            case Evicted ev -> requeueOrEnd(t, JobState.LOST, ev.at(), "evicted: " + ev.reason(),
                    List.of(new KillAttempt(t.node(), n, "evicted: " + ev.reason())));
            case Displaced d -> {
                // Counted as lost (so not a failure) but never ends the task: only a higher priority preempts and only
                // an admin drains, so this does not repeat without end for one task.
                String why = d.reason();
                Task after = new Task(t.jobId(), t.index(), JobState.QUEUED, n, t.lostAttempts() + 1, t.node(), null, t.startedAt(),
                        d.at(), why + "; requeued");
                yield new Transition.Changed(t, after, List.of(new EndAttempt(n, JobState.LOST, null, why)), after.reason());
            }
        };
    }

    private static Task withStart(Task t, java.time.Instant at) {
        return new Task(t.jobId(), t.index(), t.state(), t.attempts(), t.lostAttempts(), t.node(), t.exitCode(), at, null, t.reason());
    }

    private Transition failedOrRetry(Task t, int retries, Integer code, java.time.Instant at, String why, List<SideEffect> pre) {
        int n = t.attempts();
        List<SideEffect> effects = new java.util.ArrayList<>(pre);
        effects.add(new EndAttempt(n, JobState.FAILED, code, why));
        int failures = n - t.lostAttempts();
        if (failures <= retries) {
            String reason = why + "; retry " + failures + " of " + retries;
            Task after = new Task(t.jobId(), t.index(), JobState.QUEUED, n, t.lostAttempts(), t.node(), code, t.startedAt(), at, reason);
            return new Transition.Changed(t, after, effects, reason);
        }
        return ended(t, JobState.FAILED, code, at, why, effects);
    }

    private Transition requeueOrEnd(Task t, JobState endState, java.time.Instant at, String why, List<SideEffect> pre) {
        int n = t.attempts();
        List<SideEffect> effects = new java.util.ArrayList<>(pre);
        effects.add(new EndAttempt(n, JobState.LOST, null, why));
        int lost = t.lostAttempts() + 1;
        if (lost <= maxRequeues) {
            String reason = why + "; requeued";
            Task after = new Task(t.jobId(), t.index(), JobState.QUEUED, n, lost, t.node(), null, t.startedAt(), at, reason);
            return new Transition.Changed(t, after, effects, reason);
        }
        Task after = new Task(t.jobId(), t.index(), endState, n, lost, t.node(), null, t.startedAt(), at,
                why + "; gave up after " + maxRequeues + " requeues");
        return new Transition.Changed(t, after, effects, after.reason());
    }

    private static Transition ended(Task t, JobState end, Integer code, java.time.Instant at, String why, List<SideEffect> effects) {
        Task after = new Task(t.jobId(), t.index(), end, t.attempts(), t.lostAttempts(), t.node(), code, t.startedAt(), at, why);
        return new Transition.Changed(t, after, effects, why);
    }
}
