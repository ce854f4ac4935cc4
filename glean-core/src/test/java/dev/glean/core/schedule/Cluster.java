package dev.glean.core.schedule;

import dev.glean.core.resources.Resources;
import dev.glean.core.testing.Samples;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Test builders: idle nodes, tasks and running tasks. */
final class Cluster {
    static final Instant T = Instant.parse("2026-11-27T10:00:00Z");

    private Cluster() {}

    static CapacityEstimate idle(CapacityEstimator est, int cpus, long memGiB) {
        return est.estimate(List.of(Samples.node(T, cpus, memGiB, 0, 0)), T);
    }

    static NodeView node(CapacityEstimator est, String name, int cpus, long memGiB) {
        return node(est, name, cpus, memGiB, Map.of(), 0, Resources.ZERO, List.of());
    }

    static NodeView node(CapacityEstimator est, String name, int cpus, long memGiB, Map<String, String> labels, double risk,
            Resources allocated, List<RunningTask> running) {
        return new NodeView(name, labels, true, idle(est, cpus, memGiB), allocated, risk, running);
    }

    static PendingTask task(String job, int idx, long milli, long mib, int prio, long order) {
        return task(job, idx, milli, mib, prio, order, "default");
    }

    static PendingTask task(String job, int idx, long milli, long mib, int prio, long order, String tenant) {
        return new PendingTask(job, idx, Resources.of(milli, mib << 20), prio, order, Map.of(), tenant, T, null);
    }

    static PendingTask task(String job, long milli, long mib, Map<String, String> constraints, Duration runtime, Instant queuedAt) {
        return new PendingTask(job, 0, Resources.of(milli, mib << 20), 0, 0, constraints, "default", queuedAt, runtime);
    }

    static RunningTask running(String job, long milli, long mib, int prio, String tenant, Instant started) {
        return new RunningTask(job, 0, tenant, Resources.of(milli, mib << 20), prio, started);
    }
}
