package dev.glean.core.schedule;

import dev.glean.core.node.NodeSample;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.resources.Resources;
import java.time.Instant;
import java.util.List;

/**
 * Node history -> what it can lend. This first version lends CPU by the incumbents' mean use over the recent
 * window (CPU is compressible: the idle class hands it back within a scheduler tick when they burst), and
 * memory by their peak (memory comes back only by killing), keeping the reserve free.
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
        long cpuSum = 0;
        int n = 0;
        Bytes memPeak = Bytes.ZERO;
        for (NodeSample s : history) {
            if (s.at().isBefore(from)) {
                continue;
            }
            cpuSum += s.incumbentCpu().value();
            n++;
            if (s.incumbentMemory().compareTo(memPeak) > 0) {
                memPeak = s.incumbentMemory();
            }
        }
        Millicores cpuPeak = new Millicores(n == 0 ? 0 : cpuSum / n);
        Bytes reserve = settings.memoryReserve(capacity.memory());
        Millicores cpu = capacity.cpu().minus(cpuPeak).minus(settings.cpuHeadroom());
        Bytes mem = capacity.memory().minus(memPeak).minus(reserve);
        return new CapacityEstimate(capacity, cpuPeak, settings.cpuHeadroom(), cpu, memPeak, reserve, mem, false,
                "incumbents' mean CPU and peak memory over the last " + settings.window().toSeconds() + " s");
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
