package dev.glean.core.schedule;

import dev.glean.core.resources.Resources;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * (nodes, queue) -> placements. Highest priority first, then oldest; a task that fits nowhere does not block
 * smaller ones behind it (backfill). Among nodes that admit a task it picks the one with the most lendable
 * memory left (spread), so one node's incumbents meet as few secondaries as possible. This is the first
 * version: fair share, preemption and eviction-risk scoring come with the cluster-scale scheduler.
 */
public final class Scheduler {
    private final CapacityEstimator estimator;

    public Scheduler(CapacityEstimator estimator) {
        this.estimator = estimator;
    }

    public List<Placement> schedule(List<NodeView> nodes, List<PendingTask> queue, int maxPlacements) {
        List<PendingTask> ordered = new ArrayList<>(queue);
        ordered.sort(Comparator.comparingInt(PendingTask::priority).reversed().thenComparingLong(PendingTask::order)
                .thenComparingInt(PendingTask::index));
        Map<String, Resources> allocated = new HashMap<>();
        List<NodeView> usable = new ArrayList<>();
        for (NodeView n : nodes) {
            if (n.schedulable() && !n.estimate().stale()) {
                usable.add(n);
                allocated.put(n.name(), n.allocated());
            }
        }
        List<Placement> out = new ArrayList<>();
        for (PendingTask t : ordered) {
            if (out.size() >= maxPlacements || usable.isEmpty()) {
                break;
            }
            NodeView best = null;
            long bestFree = -1;
            for (NodeView n : usable) {
                Resources a = allocated.get(n.name());
                if (!n.matches(t.constraints()) || !estimator.admits(n.estimate(), a, t.request())) {
                    continue;
                }
                long free = n.estimate().lendableMemory().value() - a.memory().value();
                if (free > bestFree) {
                    best = n;
                    bestFree = free;
                }
            }
            if (best != null) {
                allocated.merge(best.name(), t.request(), Resources::plus);
                out.add(new Placement(t.jobId(), t.index(), best.name()));
            }
        }
        return out;
    }
}
