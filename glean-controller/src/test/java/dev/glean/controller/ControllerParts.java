package dev.glean.controller;

import dev.glean.controller.jobs.JobService;
import dev.glean.controller.jobs.TaskTransitions;
import dev.glean.controller.loop.SchedulingLoop;
import dev.glean.controller.nodes.AgentService;
import dev.glean.controller.nodes.NodeRegistry;
import dev.glean.core.job.JobStateMachine;
import dev.glean.core.schedule.CapacityEstimator;
import dev.glean.core.schedule.Scheduler;
import dev.glean.core.schedule.SchedulerSettings;
import dev.glean.core.store.Storage;
import java.time.Clock;
import java.util.List;

/** The controller's parts wired as {@link Controller} wires them, minus HTTP and threads, for scenario tests. */
record ControllerParts(JobService jobs, AgentService agents, SchedulingLoop loop, NodeRegistry registry) {
    static ControllerParts wire(Storage storage, Clock clock, ControllerSettings settings, List<String> volumes, long epoch) {
        ChangeFeed feed = new ChangeFeed();
        CapacityEstimator estimator = new CapacityEstimator(settings.capacity());
        NodeRegistry registry = new NodeRegistry(estimator, settings.lending());
        TaskTransitions transitions = new TaskTransitions(new JobStateMachine(settings.maxRequeues()));
        return new ControllerParts(new JobService(storage, transitions, feed, clock, volumes, () -> {}),
                new AgentService(storage, transitions, registry, feed, clock, settings, epoch, () -> {}),
                new SchedulingLoop(storage, transitions, registry, new Scheduler(estimator, SchedulerSettings.DEFAULTS.withPreemption(settings.preemption())), feed, clock, settings),
                registry);
    }
}
