package dev.glean.core.schedule;

import dev.glean.core.resources.Resources;
import java.util.List;
import java.util.Map;

/**
 * A node as the scheduler sees it: can it take work, what does it lend, what is already promised there
 * ({@code allocated}: the admission figure, which may include containers not yet matched to tasks), how likely it
 * is to evict what it runs ({@code risk} in [0, 1], see {@link EvictionRisk}), and the secondaries it runs
 * ({@code running}: for fair shares and preemption).
 */
public record NodeView(String name, Map<String, String> labels, boolean schedulable, CapacityEstimate estimate, Resources allocated,
        double risk, List<RunningTask> running) {
    public NodeView {
        labels = Map.copyOf(labels);
        running = List.copyOf(running);
        if (!(risk >= 0 && risk <= 1)) {
            throw new IllegalArgumentException("risk must be in [0, 1]: " + risk);
        }
    }

    /** A node with no known risk and no task list. */
    public NodeView(String name, Map<String, String> labels, boolean schedulable, CapacityEstimate estimate, Resources allocated) {
        this(name, labels, schedulable, estimate, allocated, 0, List.of());
    }

    public boolean matches(Map<String, String> constraints) {
        for (var kv : constraints.entrySet()) {
            if (!kv.getValue().equals(labels.get(kv.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
