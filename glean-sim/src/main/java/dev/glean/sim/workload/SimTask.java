package dev.glean.sim.workload;

import dev.glean.core.resources.Resources;
import java.time.Duration;

/**
 * One secondary task of the simulated job stream. {@code work} is what it needs, in millicore-seconds (its CPU
 * request times its runtime at full speed); it runs slower when the node has less idle CPU than it asks for.
 * {@code declaredRuntime} is what its submitter told the scheduler (null: nothing).
 */
public record SimTask(long id, String tenant, int priority, Resources request, double work, Duration declaredRuntime) {
    public String jobId() {
        return "t" + id;
    }
}
