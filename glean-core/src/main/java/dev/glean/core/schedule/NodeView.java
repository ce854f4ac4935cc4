package dev.glean.core.schedule;

import dev.glean.core.resources.Resources;
import java.util.Map;

/** A node as the scheduler sees it: can it take work, what does it lend, what is already promised there. */
public record NodeView(String name, Map<String, String> labels, boolean schedulable, CapacityEstimate estimate, Resources allocated) {
    public NodeView {
        labels = Map.copyOf(labels);
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
