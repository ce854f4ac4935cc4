package dev.glean.core.schedule;

import dev.glean.core.node.NodeSample;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.resources.Resources;
import java.time.Instant;
import java.util.List;

/**
 * Node history -> what it can lend. This first version takes the incumbents' peak over the recent window
 * (CPU and memory, page cache excluded) and lends the rest minus headroom; memory keeps the reserve free.
 * Forecasting (decayed percentiles, a daily profile) replaces the window peak later without changing callers.
 */
public final class CapacityEstimator {
    private final CapacitySettings settings;

    public CapacityEstimator(CapacitySettings settings) {
        this.settings = settings;
    }

    public CapacitySettings settings() {
        return settings;
    }

    /** {@code history} oldest first; only samples within the window before {@code now} count. */
    public CapacityEstimate estimate(List<NodeSample> history, Instant now) {
        if (history.isEmpty()) {
            return CapacityEstimate.nothing(Resources.ZERO, "no readings yet");
        }
        NodeSample latest = history.get(history.size() - 1);
        Resources capacity = latest.capacity();
        if (latest.at().plus(settings.staleAfter()).isBefore(now)) {
            return CapacityEstimate.nothing(capacity, "readings are stale (last at " + latest.at() + ")");
        }
        Instant from = now.minus(settings.window());
        Millicores cpuPeak = Millicores.ZERO;
        Bytes memPeak = Bytes.ZERO;
        for (NodeSample s : history) {
            if (s.at().isBefore(from)) {
                continue;
            }
            if (s.incumbentCpu().compareTo(cpuPeak) > 0) {
                cpuPeak = s.incumbentCpu();
            }
            if (s.incumbentMemory().compareTo(memPeak) > 0) {
                memPeak = s.incumbentMemory();
            }
        }
        Bytes reserve = settings.memoryReserve(capacity.memory());
        Millicores cpu = capacity.cpu().minus(cpuPeak).minus(settings.cpuHeadroom());
        Bytes mem = capacity.memory().minus(memPeak).minus(reserve);
        return new CapacityEstimate(capacity, cpuPeak, settings.cpuHeadroom(), cpu, memPeak, reserve, mem, false,
                "incumbents' peak over the last " + settings.window().toSeconds() + " s");
    }

    /** The admission rule of the Interfaces: CPU requests within lendable CPU x over-commit, memory never over-committed. */
    public boolean admits(CapacityEstimate e, Resources allocated, Resources request) {
        if (e.stale()) {
            return false;
        }
        Millicores cpuLimit = e.lendableCpu().times(settings.cpuOvercommit());
        return allocated.cpu().plus(request.cpu()).compareTo(cpuLimit) <= 0
                && allocated.memory().plus(request.memory()).compareTo(e.lendableMemory()) <= 0;
    }
}
