package dev.glean.core.forecast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class DecayedHistogramTest {
    private static final Instant T = Instant.parse("2026-11-27T10:00:00Z");

    @Test
    void quantileIsTheBucketsUpperEdgeCappedByTheLargestReading() {
        DecayedHistogram h = new DecayedHistogram(0);
        h.add(0.5, 1, T);
        assertEquals(0.5, h.quantile(0.95), 1e-12, "capped by the max: a flat line forecasts itself");
        h.add(0.9, 1, T.plusSeconds(1));
        h.add(0.301, 1, T.plusSeconds(2));
        // Three equal weights: the median lies in the 0.5 bucket [0.5, 0.505); its upper edge is reported.
        assertEquals(0.505, h.quantile(0.5), 1e-12);
        assertEquals(0.9, h.quantile(1.0), 1e-12);
    }

    @Test
    void aReadingOneHalfLifeOlderCountsHalf() {
        DecayedHistogram h = new DecayedHistogram(600);
        h.add(0.9, 1, T);
        h.add(0.1, 1, T.plusSeconds(600));
        assertEquals((0.9 * 1 + 0.1 * 2) / 3, h.mean(), 1e-9);
        assertEquals(0.105, h.quantile(0.66), 1e-12, "two thirds of the weight is the newer reading");
        assertEquals(0.9, h.quantile(0.67), 1e-12);
    }

    @Test
    void readingsWeighTheSecondsTheyCover() {
        DecayedHistogram h = new DecayedHistogram(0);
        h.add(0.8, 1, T);
        h.add(0.2, 19, T.plusSeconds(19));
        assertEquals(0.205, h.quantile(0.95), 1e-12);
        assertEquals(0.8, h.quantile(0.96), 1e-12);
    }

    @Test
    void survivesAgesFarBeyondTheFloatingPointRangeOfTheWeights() {
        DecayedHistogram h = new DecayedHistogram(60);
        h.add(1.0, 1, T);
        for (int i = 1; i <= 10_000; i++) {
            h.add(0.25, 60, T.plusSeconds(60L * i));
        }
        // The old peak has decayed to nothing; it still caps nothing (the largest reading never decays), so the answer
        // is the upper edge of the 0.25 bucket.
        assertEquals(0.255, h.quantile(0.999), 1e-12);
        assertTrue(Double.isFinite(h.mean()));
        assertEquals(0.25, h.mean(), 1e-9);
    }

    @Test
    void emptyAndClearedAnswerZero() {
        DecayedHistogram h = new DecayedHistogram(60);
        assertTrue(h.isEmpty());
        assertEquals(0, h.quantile(0.9));
        h.add(0.7, 1, T);
        h.clear();
        assertTrue(h.isEmpty());
        assertEquals(0, h.quantile(0.9));
    }
}
