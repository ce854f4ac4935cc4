package dev.glean.controller;

import dev.glean.controller.api.ApiServer;
import dev.glean.controller.jobs.JobControl;
import dev.glean.controller.jobs.JobService;
import dev.glean.controller.jobs.TaskTransitions;
import dev.glean.controller.loop.SchedulingLoop;
import dev.glean.controller.nodes.AgentService;
import dev.glean.controller.nodes.NodeAdmin;
import dev.glean.controller.nodes.NodeRegistry;
import dev.glean.core.job.JobStateMachine;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.schedule.CapacityEstimator;
import dev.glean.core.schedule.Scheduler;
import dev.glean.core.store.Storage;
import java.io.IOException;
import java.time.Clock;

/** The controller process wired together: store, services, scheduling loop, HTTP API. */
public final class Controller implements AutoCloseable {
    private final Storage storage;
    private final SchedulingLoop loop;
    private final ApiServer api;
    private final JobService jobs;
    private final AgentService agents;

    public Controller(ControllerSettings settings, Storage storage, Clock clock) throws IOException {
        this.storage = storage;
        ChangeFeed feed = new ChangeFeed();
        CapacityEstimator estimator = new CapacityEstimator(settings.capacity());
        NodeRegistry registry = new NodeRegistry(estimator, settings.lending());
        TaskTransitions transitions = new TaskTransitions(new JobStateMachine(settings.maxRequeues()));
        SchedulingLoop[] loopRef = new SchedulingLoop[1];
        Runnable wake = () -> {
            if (loopRef[0] != null) {
                loopRef[0].wake();
            }
        };
        this.jobs = new JobService(storage, transitions, feed, clock, settings.allowedVolumes(), wake);
        // An epoch per controller start; HA replaces it with a term fenced in the database.
        long epoch = clock.millis();
        this.agents = new AgentService(storage, transitions, registry, feed, clock, settings, epoch, wake);
        this.loop = new SchedulingLoop(storage, transitions, registry, new Scheduler(estimator, dev.glean.core.schedule.SchedulerSettings.DEFAULTS.withPreemption(settings.preemption())), feed, clock, settings);
        loopRef[0] = loop;
        NodeAdmin admin = new NodeAdmin(storage, registry, feed, clock, wake);
        JobControl control = new JobControl(storage, registry, feed, clock, wake);
        this.api = new ApiServer(settings.bind(), settings.port(), jobs, control, agents, registry, admin, storage, feed, clock,
                new Millicores(1000), Bytes.ofMiB(512), loop::lastError);
    }

    public Controller start() {
        loop.start();
        api.start();
        return this;
    }

    public int port() {
        return api.port();
    }

    /** "METHOD /path/{}" of every HTTP route served. */
    public java.util.List<String> routes() {
        return api.routes();
    }

    public JobService jobs() {
        return jobs;
    }

    public AgentService agents() {
        return agents;
    }

    public SchedulingLoop loop() {
        return loop;
    }

    @Override
    public void close() {
        api.close();
        loop.close();
        storage.close();
    }
}
