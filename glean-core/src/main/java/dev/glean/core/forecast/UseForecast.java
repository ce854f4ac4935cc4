package dev.glean.core.forecast;

import java.util.OptionalLong;

/**
 * One resource's forecast of the incumbents' use (millicores or bytes), with the parts it is the largest of:
 * {@code current} (the newest reading: new incumbent use counts at once), {@code recent} (the decayed high
 * percentile) and {@code daily} (the daily profile over the horizon, once a day of history exists). {@code mean}
 * is the decayed mean, shown to tell a steady node from a bursty one.
 */
public record UseForecast(long current, long mean, long recent, OptionalLong daily, long forecast) {
    public static final UseForecast NONE = new UseForecast(0, 0, 0, OptionalLong.empty(), 0);

    public enum Part { CURRENT, RECENT, DAILY }

    public static UseForecast of(long current, long mean, long recent, OptionalLong daily) {
        long f = Math.max(current, Math.max(recent, daily.orElse(0)));
        return new UseForecast(current, mean, recent, daily, f);
    }

    /** Which part set the forecast (ties go to the later in CURRENT, RECENT, DAILY order: the longer view). */
    public Part drivenBy() {
        if (daily.isPresent() && daily.getAsLong() == forecast) {
            return Part.DAILY;
        }
        return recent == forecast ? Part.RECENT : Part.CURRENT;
    }

    /** How far the peak stands above the mean, as a share of {@code capacity}: 0 for a flat line. */
    public double spread(long capacity) {
        return capacity <= 0 ? 0 : Math.max(0, forecast - mean) / (double) capacity;
    }
}
