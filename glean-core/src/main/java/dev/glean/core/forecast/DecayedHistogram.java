package dev.glean.core.forecast;

import java.time.Instant;

/**
 * Where a node's incumbents spent their time, as a share of the node's capacity in [0, 1], in fixed buckets of
 * 1/{@value #BUCKETS}. A reading weighs the seconds it covers times {@code 2^(age / halfLife)} taken backwards, so
 * recent readings count more and old ones fade without being stored.
 *
 * <p>Forward decay: rather than shrinking every bucket at every reading (O(buckets) per reading), a new reading gets
 * the weight {@code e^(lambda (t - landmark))}, which grows with t; quantiles only need ratios of weights, so the
 * result is the same. When the exponent grows large, everything is rescaled once to a new landmark (with a half-life
 * of an hour, about every three days). With a zero half-life nothing decays: a plain histogram.
 *
 * <p>A quantile is answered with the upper edge of its bucket, capped by the largest reading ever added: never
 * below the true quantile (the estimator must not under-forecast memory), and at most one bucket above it.
 * Not thread-safe: its owner serialises access.
 */
public final class DecayedHistogram {
    public static final int BUCKETS = 200;
    /** Rescale before e^exponent can lose precision against the weights already held. */
    private static final double MAX_EXPONENT = 40;

    private final double lambda;
    private final double[] weights = new double[BUCKETS];
    private double landmark = Double.NaN;
    private double total;
    private double weightedSum;
    private double max;

    /** {@code halfLifeSeconds} 0 means no decay. */
    public DecayedHistogram(double halfLifeSeconds) {
        if (!(halfLifeSeconds >= 0) || Double.isInfinite(halfLifeSeconds)) {
            throw new IllegalArgumentException("half-life must be a finite number of seconds >= 0: " + halfLifeSeconds);
        }
        this.lambda = halfLifeSeconds == 0 ? 0 : Math.log(2) / halfLifeSeconds;
    }

    /** Adds a reading of {@code share} (clamped to [0, 1]) covering {@code seconds}, taken at {@code at}. */
    public void add(double share, double seconds, Instant at) {
        if (!(seconds > 0)) {
            return;
        }
        double v = Math.max(0, Math.min(1, Double.isNaN(share) ? 1 : share));
        double t = seconds(at);
        if (Double.isNaN(landmark)) {
            landmark = t;
        }
        double exponent = lambda * (t - landmark);
        if (exponent > MAX_EXPONENT) {
            rescale(Math.exp(-exponent));
            landmark = t;
            exponent = 0;
        }
        double w = seconds * Math.exp(exponent);
        weights[bucket(v)] += w;
        total += w;
        weightedSum += w * v;
        max = Math.max(max, v);
    }

    public boolean isEmpty() {
        return total == 0;
    }

    /** The {@code q}-quantile (0 < q <= 1) as a share of capacity; 0 when empty. */
    public double quantile(double q) {
        if (total == 0) {
            return 0;
        }
        double target = q * total;
        double acc = 0;
        for (int i = 0; i < BUCKETS; i++) {
            acc += weights[i];
            if (acc >= target && weights[i] > 0) {
                return Math.min((i + 1) / (double) BUCKETS, max);
            }
        }
        return max;
    }

    /** The decayed mean share. */
    public double mean() {
        return total == 0 ? 0 : weightedSum / total;
    }

    /** The largest share ever added (it does not decay). */
    public double max() {
        return max;
    }

    public void clear() {
        java.util.Arrays.fill(weights, 0);
        landmark = Double.NaN;
        total = 0;
        weightedSum = 0;
        max = 0;
    }

    private static double seconds(Instant at) {
        return at.getEpochSecond() + at.getNano() / 1e9;
    }

    private void rescale(double factor) {
        for (int i = 0; i < BUCKETS; i++) {
            weights[i] *= factor;
        }
        total *= factor;
        weightedSum *= factor;
    }

    static int bucket(double share) {
        return Math.min(BUCKETS - 1, (int) (share * BUCKETS));
    }
}
