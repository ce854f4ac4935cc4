package dev.glean.core.schedule;

import dev.glean.core.forecast.UseForecast;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.resources.Resources;
import java.time.Instant;

/**
 * How much a node can lend, with every part of the sum so that each figure can be explained:
 * {@code lendableCpu = min(capacity - cpu.forecast - cpuHeadroom, cpuPolicyCap)} and
 * {@code lendableMemory = min(capacity - memory.forecast - memoryReserve, memoryPolicyCap)}, or zero when
 * {@code stale} (no fresh readings) or when the lending policy withholds (then {@code basis} says why).
 * {@code confidence} is the share of a day the forecast has seen; {@code lendsUntil} is when the node's lending
 * hours close next (null: not within a week).
 */
public record CapacityEstimate(
        Resources capacity,
        UseForecast cpu,
        Millicores cpuHeadroom,
        Millicores cpuPolicyCap,
        Millicores lendableCpu,
        UseForecast memory,
        Bytes memoryReserve,
        Bytes memoryPolicyCap,
        Bytes lendableMemory,
        boolean stale,
        double confidence,
        Instant lendsUntil,
        String basis) {

    public static CapacityEstimate nothing(Resources capacity, String why) {
        return new CapacityEstimate(capacity, UseForecast.NONE, Millicores.ZERO, Millicores.ZERO, Millicores.ZERO, UseForecast.NONE,
                Bytes.ZERO, Bytes.ZERO, Bytes.ZERO, true, 0, null, why);
    }

    /** The CPU the incumbents are charged with: the forecast of their use. */
    public Millicores incumbentCpuPeak() {
        return new Millicores(cpu.forecast());
    }

    public Bytes incumbentMemoryPeak() {
        return new Bytes(memory.forecast());
    }

    /** Memory the incumbents are forecast to leave free: lendable memory never exceeds it. */
    public Bytes forecastFreeMemory() {
        return capacity.memory().minus(incumbentMemoryPeak());
    }

    public Resources lendable() {
        return new Resources(lendableCpu, lendableMemory);
    }
}
