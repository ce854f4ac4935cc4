package dev.glean.core.forecast;

import java.util.OptionalLong;

/**
 * One resource's forecast of the incumbents' use (millicores or bytes), with the parts it is the largest of:
 * {@code current} (the newest reading: new incumbent use counts at once), {@code recent} (the decayed high
 * percentile) and {@code daily} (the daily profile over the horizon, once a day of history exists). {@code mean}
 * is the decayed mean, shown to tell a steady node from a bursty one. {@code dayPeak} is the daily profile's
 * highest slot of the whole day (once a day of history exists): not part of the forecast, which covers the horizon,
 * but a sign of what the incumbents will take back later, for the eviction risk of long tasks.
 */
public record UseForecast(long current, long mean, long recent, OptionalLong daily, long forecast, OptionalLong dayPeak) {
    public static final UseForecast NONE = new UseForecast(0, 0, 0, OptionalLong.empty(), 0, OptionalLong.empty());

    public enum Part { CURRENT, RECENT, DAILY }

    public static UseForecast of(long current, long mean, long recent, OptionalLong daily) {
        return of(current, mean, recent, daily, OptionalLong.empty());
    }

    public static UseForecast of(long current, long mean, long recent, OptionalLong daily, OptionalLong dayPeak) {
        long f = Math.max(current, Math.max(recent, daily.orElse(0)));
        return new UseForecast(current, mean, recent, daily, f, dayPeak);
    }

    /** Which part set the forecast (ties go to the later in CURRENT, RECENT, DAILY order: the longer view). */
    public Part drivenBy() {
        if (daily.isPresent() && daily.getAsLong() == forecast) {
            return Part.DAILY;
        }
        return recent == forecast ? Part.RECENT : Part.CURRENT;
    }

    /** How far the day's peak (the daily profile's highest slot) stands above the forecast, as a share of {@code capacity}. */
    public double ahead(long capacity) {
        return capacity <= 0 || dayPeak.isEmpty() ? 0 : Math.max(0, dayPeak.getAsLong() - forecast) / (double) capacity;
    }

    /** How far the peak stands above the mean, as a share of {@code capacity}: 0 for a flat line. */
    public double spread(long capacity) {
        return capacity <= 0 ? 0 : Math.max(0, forecast - mean) / (double) capacity;
    }
}
