package dev.glean.controller.jobs;

import dev.glean.controller.ChangeFeed;
import dev.glean.controller.nodes.AttemptStop;
import dev.glean.controller.nodes.NodeRegistry;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.Task;
import dev.glean.core.store.Storage;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a user does to a job besides submit and cancel, as HTCondor's and Slurm's users expect: hold (its queued
 * tasks are not placed; running ones go on), release, and requeue (its running tasks are stopped and go back to the
 * queue, spending no retry — once their nodes report them ended, so a task never runs twice at once).
 */
public final class JobControl {
    private final Storage storage;
    private final NodeRegistry registry;
    private final ChangeFeed feed;
    private final Clock clock;
    private final Runnable wake;

    public JobControl(Storage storage, NodeRegistry registry, ChangeFeed feed, Clock clock, Runnable wake) {
        this.storage = storage;
        this.registry = registry;
        this.feed = feed;
        this.clock = clock;
        this.wake = wake;
    }

    public Job hold(String id, String by) {
        Job j = storage.write(tx -> {
            Job job = live(tx.job(id), id, "hold");
            if (!tx.heldJobs().contains(id)) {
                tx.setHeld(id, true);
                tx.append(Event.job(clock.instant(), "held", id, "held by " + by + ": queued tasks wait for 'glean release'"));
            }
            return job;
        });
        feed.bump();
        return j;
    }

    public Job release(String id, String by) {
        Job j = storage.write(tx -> {
            Job job = tx.job(id).orElseThrow(() -> GleanException.notFound("no job '" + id + "'"));
            if (tx.heldJobs().contains(id)) {
                tx.setHeld(id, false);
                tx.append(Event.job(clock.instant(), "released", id, "released by " + by));
            }
            return job;
        });
        feed.bump();
        wake.run();
        return j;
    }

    /** Returns the job and the attempts asked to stop. */
    public record Requeued(Job job, List<String> stopping) {}

    public Requeued requeue(String id, String by) {
        Instant now = clock.instant();
        String why = "stopped by " + by + " (requeue)";
        record Result(Job job, List<AttemptStop> stops) {}
        Result r = storage.write(tx -> {
            Job job = live(tx.job(id), id, "requeue");
            List<AttemptStop> stops = new ArrayList<>();
            for (Task t : job.tasks()) {
                if (t.state().onNode() && !registry.isStopping(t.node(), t.attemptId())) {
                    AttemptStop s = new AttemptStop(t.node(), t, why);
                    stops.add(s);
                    tx.append(s.event("requeueing", now, Map.of()));
                }
            }
            return new Result(job, stops);
        });
        AttemptStop.apply(r.stops(), registry, now);
        r.stops().forEach(s -> feed.bumpNode(s.node()));
        feed.bump();
        return new Requeued(r.job(), r.stops().stream().map(AttemptStop::attemptId).toList());
    }

    private static Job live(java.util.Optional<Job> found, String id, String what) {
        Job job = found.orElseThrow(() -> GleanException.notFound("no job '" + id + "'"));
        if (job.state().terminal()) {
            throw new GleanException(ErrorCode.ILLEGAL_STATE, "cannot " + what + " job " + id + ": it already ended " + job.state());
        }
        return job;
    }
}
