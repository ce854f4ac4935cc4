package dev.glean.core.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.forecast.IncumbentHistory;
import dev.glean.core.testing.Samples;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class EvictionRiskTest {
    private static final Instant MIDNIGHT = Instant.parse("2026-11-23T00:00:00Z");
    private final CapacityEstimator estimator = new CapacityEstimator(CapacitySettings.DEFAULTS);

    /** Two days of minute readings; memory in MiB of a 64 GiB node by minute of the day. */
    private CapacityEstimate atNoonOfDayThree(java.util.function.IntUnaryOperator memMiBAtMinute) {
        IncumbentHistory h = estimator.newHistory();
        Instant noon = MIDNIGHT.plusSeconds(2 * 86_400 + 12 * 3600);
        for (Instant t = MIDNIGHT; !t.isAfter(noon); t = t.plusSeconds(60)) {
            int minute = (int) (t.getEpochSecond() % 86_400 / 60);
            h.record(Samples.node(t, 16, 64, 1000, memMiBAtMinute.applyAsInt(minute)));
        }
        return estimator.estimate(h, noon, LendingPolicy.OPEN, noon);
    }

    @Test
    void aNodeThatLoadsItsMemoryAtNightIsRiskierByDayThanAFlatOne() {
        CapacityEstimate flat = atNoonOfDayThree(m -> 8192);
        CapacityEstimate nightly = atNoonOfDayThree(m -> m >= 60 && m < 240 ? 8192 + 24_576 : 8192);
        // By day both look the same to the forecast of the next 30 minutes (within a bucket, 1/200 of 64 GiB)...
        assertEquals(flat.incumbentMemoryPeak().value(), nightly.incumbentMemoryPeak().value(), (64L << 30) / 200 + 1);
        // ...but the nightly one will take 24 GiB back tonight.
        double flatRisk = EvictionRisk.of(flat, 0, MIDNIGHT);
        double nightlyRisk = EvictionRisk.of(nightly, 0, MIDNIGHT);
        assertTrue(flatRisk < 0.1, "flat: " + flatRisk);
        assertTrue(nightlyRisk > 0.6, "nightly: " + nightlyRisk);
        assertTrue(nightly.memory().dayPeak().getAsLong() >= 32L << 30, nightly.memory().toString());
    }
}
