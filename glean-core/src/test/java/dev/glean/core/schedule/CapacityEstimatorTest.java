package dev.glean.core.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.resources.Resources;
import dev.glean.core.testing.Samples;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapacityEstimatorTest {
    private static final Instant T = Instant.parse("2026-11-27T10:00:00Z");
    private final CapacityEstimator est = new CapacityEstimator(CapacitySettings.DEFAULTS);

    @Test
    void lendsCpuByTheIncumbentsMeanAndMemoryByTheirPeak() {
        var e = est.estimate(List.of(Samples.node(T, 4, 16, 1500, 4096), Samples.node(T.plusSeconds(1), 4, 16, 500, 2048)), T.plusSeconds(1));
        assertEquals(new Millicores(4000 - 1000 - 100), e.lendableCpu());
        Bytes total = new Bytes(16L << 30);
        assertEquals(total.minus(Bytes.ofMiB(4096)).minus(total.times(0.10)), e.lendableMemory());
        assertFalse(e.stale());
    }

    @Test
    void samplesOutsideTheWindowDoNotCount() {
        var old = Samples.node(T.minus(Duration.ofMinutes(10)), 4, 16, 3900, 12000);
        var now = Samples.node(T, 4, 16, 100, 1000);
        assertEquals(new Millicores(3800), est.estimate(List.of(old, now), T).lendableCpu());
    }

    @Test
    void staleOrMissingReadingsLendNothing() {
        assertTrue(est.estimate(List.of(), T).stale());
        var e = est.estimate(List.of(Samples.node(T, 4, 16, 0, 0)), T.plusSeconds(60));
        assertTrue(e.stale());
        assertEquals(Resources.ZERO, e.lendable());
    }

    @Test
    void memoryIsNeverOvercommittedCpuIsByTheFactor() {
        CapacityEstimator two = new CapacityEstimator(new CapacitySettings(2.0, Millicores.ZERO, 0.0, Bytes.ZERO,
                Duration.ofSeconds(10), Duration.ofMinutes(5)));
        var e = two.estimate(List.of(Samples.node(T, 2, 4, 0, 0)), T);
        assertTrue(two.admits(e, Resources.of(3000, 0), Resources.of(1000, 1L << 30)));
        assertFalse(two.admits(e, Resources.of(3500, 0), Resources.of(1000, 1L << 30)));
        assertFalse(two.admits(e, Resources.of(0, 3L << 30), Resources.of(100, (1L << 30) + 1)));
    }
}
