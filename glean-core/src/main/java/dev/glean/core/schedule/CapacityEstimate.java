package dev.glean.core.schedule;

import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.resources.Resources;

/**
 * How much a node can lend, with the parts of the sum so that every figure can be explained.
 * {@code incumbentCpuPeak} is the CPU figure the estimator charged the incumbents with (see its basis).
 */
public record CapacityEstimate(
        Resources capacity,
        Millicores incumbentCpuPeak,
        Millicores cpuHeadroom,
        Millicores lendableCpu,
        Bytes incumbentMemoryPeak,
        Bytes memoryReserve,
        Bytes lendableMemory,
        boolean stale,
        String basis) {

    public static CapacityEstimate nothing(Resources capacity, String why) {
        return new CapacityEstimate(capacity, Millicores.ZERO, Millicores.ZERO, Millicores.ZERO, Bytes.ZERO, Bytes.ZERO,
                Bytes.ZERO, true, why);
    }

    public Resources lendable() {
        return new Resources(lendableCpu, lendableMemory);
    }
}
