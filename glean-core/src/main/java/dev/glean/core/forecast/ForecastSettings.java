package dev.glean.core.forecast;

import java.time.Duration;
import java.time.ZoneId;

/**
 * How the incumbents' use is forecast. {@code halfLife}: a reading this old counts half as much as a new one.
 * {@code horizon}: how far ahead the forecast must hold (a placed task should be safe at least this long).
 * {@code cpuPercentile} and {@code memoryPercentile}: which high quantile of the decayed history counts as the
 * incumbents' peak; memory's is higher because memory comes back only by killing. The daily profile splits the day
 * (in {@code zone}, where the incumbents' users live) into {@code profileSlots} slots and remembers each slot's
 * high quantile over roughly the last {@code profileDays} days as mean + {@code profileSigmas} standard deviations.
 * A reading counts for the time since the previous one, at most {@code maxSampleGap}, so a gap in reports does not
 * make one reading dominate.
 */
public record ForecastSettings(
        Duration halfLife,
        Duration horizon,
        double cpuPercentile,
        double memoryPercentile,
        ZoneId zone,
        int profileSlots,
        int profileDays,
        double profileSigmas,
        Duration maxSampleGap) {

    public static final ForecastSettings DEFAULTS = new ForecastSettings(Duration.ofMinutes(5), Duration.ofMinutes(30), 0.95,
            0.98, ZoneId.of("UTC"), 48, 7, 2.0, Duration.ofMinutes(1));

    public ForecastSettings {
        if (halfLife.isNegative() || horizon.isNegative() || maxSampleGap.isNegative() || maxSampleGap.isZero()) {
            throw new IllegalArgumentException("half-life and horizon must be >= 0 and the sample gap > 0");
        }
        if (!(cpuPercentile > 0 && cpuPercentile <= 1) || !(memoryPercentile > 0 && memoryPercentile <= 1)) {
            throw new IllegalArgumentException("percentiles must be in (0, 1]: " + cpuPercentile + ", " + memoryPercentile);
        }
        if (profileSlots < 1 || profileSlots > 1440 || 86_400 % profileSlots != 0) {
            throw new IllegalArgumentException("profile slots must divide the day into whole seconds (1-1440): " + profileSlots);
        }
        if (profileDays < 1 || !(profileSigmas >= 0)) {
            throw new IllegalArgumentException("profile days must be >= 1 and sigmas >= 0");
        }
    }

    public ForecastSettings withHalfLife(Duration d) {
        return new ForecastSettings(d, horizon, cpuPercentile, memoryPercentile, zone, profileSlots, profileDays, profileSigmas,
                maxSampleGap);
    }

    public ForecastSettings withZone(ZoneId z) {
        return new ForecastSettings(halfLife, horizon, cpuPercentile, memoryPercentile, z, profileSlots, profileDays, profileSigmas,
                maxSampleGap);
    }

    public ForecastSettings withHorizon(Duration h) {
        return new ForecastSettings(halfLife, h, cpuPercentile, memoryPercentile, zone, profileSlots, profileDays, profileSigmas,
                maxSampleGap);
    }

    public long slotSeconds() {
        return 86_400 / profileSlots;
    }
}
