package dev.glean.core.forecast;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;

/**
 * The incumbents' use by time of day: for each slot of the day (say 48 half-hours) the high quantile the incumbents
 * reached in that slot on past days, kept as an exponentially weighted mean and variance over about the last
 * {@code profileDays} days. It lets the forecast see tonight's backup job or the 9 o'clock logins before they come,
 * which a decayed history of the last hours cannot.
 *
 * <p>Incremental: only the slot being observed holds a histogram; when a reading falls in another slot, the finished
 * slot's quantile is folded into that slot's mean and variance (O(buckets), once per slot), so the profile costs a
 * few doubles per slot however long it runs. A slot observed for less than a minute is not folded: a single reading
 * after a restart says little about a half-hour. Not thread-safe.
 */
public final class DailyProfile {
    private static final double MIN_FOLD_SECONDS = 60;

    private final ForecastSettings settings;
    private final double percentile;
    private final double[] mean;
    private final double[] variance;
    private final int[] days;
    private final DecayedHistogram active = new DecayedHistogram(0);
    private double activeSeconds;
    private long activeDay = Long.MIN_VALUE;
    private int activeSlot = -1;
    private double peak = Double.NaN;

    public DailyProfile(ForecastSettings settings, double percentile) {
        this.settings = settings;
        this.percentile = percentile;
        this.mean = new double[settings.profileSlots()];
        this.variance = new double[settings.profileSlots()];
        this.days = new int[settings.profileSlots()];
    }

    public void add(double share, double seconds, Instant at) {
        ZonedDateTime local = at.atZone(settings.zone());
        long day = local.toLocalDate().toEpochDay();
        int slot = slotOf(local);
        if (day != activeDay || slot != activeSlot) {
            fold();
            activeDay = day;
            activeSlot = slot;
        }
        active.add(share, seconds, at);
        activeSeconds += seconds;
    }

    /** Days folded into {@code slot} so far. */
    public int days(int slot) {
        return days[slot];
    }

    /**
     * The highest slot forecast (mean + sigmas x standard deviation of past days' quantiles) over the slots that
     * {@code [from, from + horizon]} touches, as a share of capacity; NaN when none of them has a past day yet.
     */
    public double forecast(Instant from, Duration horizon) {
        long step = settings.slotSeconds();
        long span = Math.max(0, horizon.toSeconds());
        double best = Double.NaN;
        for (long s = 0; ; s += step) {
            long offset = Math.min(s, span);
            int slot = slotOf(from.plusSeconds(offset).atZone(settings.zone()));
            if (days[slot] > 0) {
                double v = Math.min(1, mean[slot] + settings.profileSigmas() * Math.sqrt(variance[slot]));
                best = Double.isNaN(best) ? v : Math.max(best, v);
            }
            if (offset >= span) {
                return best;
            }
        }
    }

    /**
     * The highest slot forecast of the whole day (mean + sigmas x standard deviation), as a share of capacity; NaN
     * before any slot has a past day. Kept up to date at each fold, so reading it costs nothing.
     */
    public double peak() {
        return peak;
    }

    private void fold() {
        if (activeSlot >= 0 && activeSeconds >= MIN_FOLD_SECONDS) {
            double q = active.quantile(percentile);
            int n = days[activeSlot];
            if (n == 0) {
                mean[activeSlot] = q;
                variance[activeSlot] = 0;
            } else {
                // Exponentially weighted: the first days average evenly, then each new day weighs 1/profileDays.
                double alpha = Math.max(1.0 / (n + 1), 1.0 / settings.profileDays());
                double diff = q - mean[activeSlot];
                mean[activeSlot] += alpha * diff;
                variance[activeSlot] = (1 - alpha) * (variance[activeSlot] + alpha * diff * diff);
            }
            days[activeSlot] = n == Integer.MAX_VALUE ? n : n + 1;
            double p = Double.NaN;
            for (int i = 0; i < days.length; i++) {
                if (days[i] > 0) {
                    double v = Math.min(1, mean[i] + settings.profileSigmas() * Math.sqrt(variance[i]));
                    p = Double.isNaN(p) ? v : Math.max(p, v);
                }
            }
            peak = p;
        }
        active.clear();
        activeSeconds = 0;
    }

    private int slotOf(ZonedDateTime local) {
        return (int) (local.toLocalTime().toSecondOfDay() / settings.slotSeconds());
    }
}
