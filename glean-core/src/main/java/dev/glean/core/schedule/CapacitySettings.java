package dev.glean.core.schedule;

import dev.glean.core.forecast.ForecastSettings;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.time.Duration;

/**
 * The knobs of lending. {@code memoryReserveFraction} (with {@code memoryReserveMin}) is THE memory setting:
 * the estimator keeps this much free for the incumbents when admitting, and the guard evicts when free memory
 * falls below it, so an evicted job is never admitted straight back. {@code cpuOvercommit} multiplies
 * lendable CPU for admission (the kernel takes CPU back at once). Readings older than {@code staleAfter}
 * lend nothing. {@code forecast} says how the incumbents' peak is forecast. {@code cpuLendMin}: CPU every fresh
 * node lends whatever its forecast (zero by default): the idle class and the node guard, not admission, protect
 * the incumbents' CPU, so a node given to harvesting (or a benchmark on a busy machine) may admit work anyway.
 */
public record CapacitySettings(
        double cpuOvercommit,
        Millicores cpuHeadroom,
        double memoryReserveFraction,
        Bytes memoryReserveMin,
        Duration staleAfter,
        ForecastSettings forecast,
        Millicores cpuLendMin) {

    /**
     * CPU over-commit 1.5: CPU is compressible (the idle class hands it back at once and the guard caps the rest), so
     * requests may add up to more than the forecast leaves idle. Measured with {@code glean sim} (docs/PERFORMANCE.md):
     * on the synthetic mix, 1.0 harvested 77.6 % of the idle core-hours, 1.5 88.2 %, 2.0 89.5 % (at 3x the evictions
     * of 1.5); none had a memory shortfall, as memory is never over-committed.
     */
    public static final CapacitySettings DEFAULTS = new CapacitySettings(
            1.5, new Millicores(100), 0.10, Bytes.ofMiB(256), Duration.ofSeconds(10), ForecastSettings.DEFAULTS);

    public CapacitySettings(double cpuOvercommit, Millicores cpuHeadroom, double memoryReserveFraction, Bytes memoryReserveMin,
            Duration staleAfter, ForecastSettings forecast) {
        this(cpuOvercommit, cpuHeadroom, memoryReserveFraction, memoryReserveMin, staleAfter, forecast, Millicores.ZERO);
    }

    public CapacitySettings withCpuLendMin(Millicores min) {
        return new CapacitySettings(cpuOvercommit, cpuHeadroom, memoryReserveFraction, memoryReserveMin, staleAfter, forecast, min);
    }

    public CapacitySettings {
        if (cpuOvercommit < 1.0 || cpuOvercommit > 10) {
            throw dev.glean.core.error.GleanException.invalid("cpu over-commit must be between 1 and 10: " + cpuOvercommit);
        }
        if (memoryReserveFraction < 0 || memoryReserveFraction >= 1) {
            throw dev.glean.core.error.GleanException.invalid("memory reserve must be a fraction in [0, 1): " + memoryReserveFraction);
        }
    }

    /**
     * The configuration's shape ({@code controller.window}): {@code window} is the forecast's half-life, the age at
     * which a reading counts half; the other forecast knobs keep their defaults.
     */
    public CapacitySettings(double cpuOvercommit, Millicores cpuHeadroom, double memoryReserveFraction, Bytes memoryReserveMin,
            Duration staleAfter, Duration window) {
        this(cpuOvercommit, cpuHeadroom, memoryReserveFraction, memoryReserveMin, staleAfter,
                ForecastSettings.DEFAULTS.withHalfLife(window));
    }

    public CapacitySettings withCpuOvercommit(double factor) {
        return new CapacitySettings(factor, cpuHeadroom, memoryReserveFraction, memoryReserveMin, staleAfter, forecast, cpuLendMin);
    }

    /** The forecast's half-life (config key {@code window}). */
    public Duration window() {
        return forecast.halfLife();
    }

    public Bytes memoryReserve(Bytes total) {
        return Bytes.max(total.times(memoryReserveFraction), memoryReserveMin);
    }
}
