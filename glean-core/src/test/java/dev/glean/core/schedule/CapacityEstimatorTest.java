package dev.glean.core.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.forecast.ForecastSettings;
import dev.glean.core.forecast.IncumbentHistory;
import dev.glean.core.forecast.UseForecast;
import dev.glean.core.node.NodeSample;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.resources.Resources;
import dev.glean.core.testing.Samples;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/** The estimator, one rule per table: percentile, decay, current floor, daily profile, staleness, policy. */
class CapacityEstimatorTest {
    private static final Instant T = Instant.parse("2026-11-27T10:00:00Z");
    private static final Bytes GIB16 = new Bytes(16L << 30);
    // The room arithmetic here counts lendable CPU once: no over-commit.
    private final CapacityEstimator est = new CapacityEstimator(CapacitySettings.DEFAULTS.withCpuOvercommit(1.0));

    /** Readings every {@code step} seconds for {@code n} steps ending at {@code end}: (cpu millicores, memory MiB) by step. */
    private static List<NodeSample> series(Instant end, int n, int step, IntFunction<long[]> use) {
        List<NodeSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] u = use.apply(i);
            out.add(Samples.node(end.minusSeconds((long) (n - 1 - i) * step), 4, 16, u[0], u[1]));
        }
        return out;
    }

    /** A quantile is a bucket's upper edge: never below the truth, at most one bucket (0.5 % of capacity) above. */
    private static void near(long expected, long actual, long capacity, String what) {
        assertTrue(actual >= expected && actual <= expected + capacity / 200, what + ": expected " + expected + " (+0.5%), got " + actual);
    }

    @Test
    void steadyIncumbentsLendCapacityMinusUseMinusHeadroomAndReserve() {
        var e = est.estimate(series(T, 60, 1, i -> new long[] {1500, 4096}), T);
        assertEquals(new Millicores(4000 - 1500 - 100), e.lendableCpu());
        assertEquals(GIB16.minus(Bytes.ofMiB(4096)).minus(GIB16.times(0.10)), e.lendableMemory());
        assertEquals(1500, e.cpu().forecast());
        assertEquals(Bytes.ofMiB(4096), e.incumbentMemoryPeak());
        assertFalse(e.stale());
    }

    /** Percentile table: bursts shorter than 5 % of the time do not move p95 CPU; p98 memory sees bursts above 2 %. */
    @Test
    void highPercentilesIgnoreRareBurstsForCpuButNotForMemory() {
        record Row(int burstsPer100, long cpuForecast, long memForecastMiB) {}
        for (Row r : List.of(new Row(0, 1000, 2048), new Row(3, 1000, 8192), new Row(6, 3000, 8192))) {
            // The oldest readings burst; the newest is quiet, so the current floor does not hide them.
            var e = est.estimate(series(T, 100, 1, i -> i < r.burstsPer100() ? new long[] {3000, 8192} : new long[] {1000, 2048}), T);
            near(r.cpuForecast(), e.cpu().forecast(), 4000, "cpu with " + r);
            near(Bytes.ofMiB(r.memForecastMiB()).value(), e.memory().forecast(), 16L << 30, "memory with " + r);
        }
    }

    /** Decay table: a busy half-hour two hours ago weighs about 3 % at a 30 min half-life, 20 % without decay. */
    @Test
    void oldPeaksFadeWithTheHalfLife() {
        record Row(Duration halfLife, long cpuForecast) {}
        for (Row r : List.of(new Row(Duration.ofMinutes(30), 1000), new Row(Duration.ofDays(10_000), 3000))) {
            CapacityEstimator e = new CapacityEstimator(new CapacitySettings(1, Millicores.ZERO, 0.1, Bytes.ZERO, Duration.ofSeconds(10),
                    ForecastSettings.DEFAULTS.withHalfLife(r.halfLife())));
            // 150 minutes at 10 s: the first 30 busy, the last 120 quiet.
            var est2 = e.estimate(series(T, 900, 10, i -> i < 180 ? new long[] {3000, 1024} : new long[] {1000, 1024}), T);
            near(r.cpuForecast(), est2.cpu().forecast(), 4000, "half-life " + r.halfLife());
        }
    }

    @Test
    void newIncumbentUseCountsAtOnce() {
        List<NodeSample> s = series(T.minusSeconds(1), 600, 1, i -> new long[] {500, 1024});
        s.add(Samples.node(T, 4, 16, 3500, 12_000));
        var e = est.estimate(s, T);
        assertEquals(3500, e.cpu().forecast());
        assertEquals(UseForecast.Part.CURRENT, e.cpu().drivenBy());
        assertEquals(Bytes.ofMiB(12_000), e.incumbentMemoryPeak());
        assertEquals(new Millicores(400), e.lendableCpu());
        assertTrue(e.basis().contains("current reading"), e.basis());
    }

    /** Daily profile: a nightly 02:00-03:00 memory peak is foreseen from 01:45 once a day of history exists, not before. */
    @Test
    void theDailyProfileForeseesTheNightlyPeak() {
        Instant start = Instant.parse("2026-11-01T00:00:00Z");
        CapacityEstimator e = est;
        IncumbentHistory h = e.newHistory();
        Instant at = start;
        for (int min = 0; min < 49 * 60 + 45; min++) { // from 1 Nov 00:00 until 3 Nov 01:44
            at = start.plusSeconds(60L * min);
            int hour = at.atZone(ZoneId.of("UTC")).getHour();
            h.record(Samples.node(at, 4, 16, 500, hour == 2 ? 12_288 : 2048));
        }
        // Now 3 Nov 01:44: two nightly peaks seen, the last ~23 h ago (decayed to nothing in the percentile).
        var ahead = e.estimate(h, at, LendingPolicy.OPEN, at);
        assertEquals(UseForecast.Part.DAILY, ahead.memory().drivenBy(), ahead.basis());
        assertTrue(ahead.memory().forecast() >= Bytes.ofMiB(12_288).value());
        assertTrue(ahead.memory().recent() < Bytes.ofMiB(3000).value(), "the percentile alone would miss it");
        assertTrue(ahead.basis().contains("daily profile"), ahead.basis());
        assertEquals(1.0, ahead.confidence());

        IncumbentHistory young = e.newHistory();
        Instant y = start.plus(Duration.ofHours(20));
        for (int min = 0; min < 5 * 60 + 45; min++) { // 20:00 to 01:44 the next day: under a day of history
            y = start.plus(Duration.ofHours(20)).plusSeconds(60L * min);
            young.record(Samples.node(y, 4, 16, 500, 2048));
        }
        var early = e.estimate(young, y, LendingPolicy.OPEN, y);
        assertTrue(early.memory().daily().isEmpty(), "no profile before a day of history");
        assertTrue(early.confidence() < 0.3);
    }

    @Test
    void staleOrMissingReadingsLendNothing() {
        assertTrue(est.estimate(List.of(), T).stale());
        assertTrue(est.estimate(est.newHistory(), T, LendingPolicy.OPEN, T).stale());
        var e = est.estimate(List.of(Samples.node(T, 4, 16, 0, 0)), T.plusSeconds(60));
        assertTrue(e.stale());
        assertEquals(Resources.ZERO, e.lendable());
        IncumbentHistory h = est.newHistory();
        h.record(Samples.node(T, 4, 16, 0, 0));
        // Staleness is judged on the caller's clock by when the node was last heard, not by the reading's own time.
        assertFalse(est.estimate(h, T.plusSeconds(100), LendingPolicy.OPEN, T.plusSeconds(105)).stale());
        assertTrue(est.estimate(h, T.plusSeconds(100), LendingPolicy.OPEN, T.plusSeconds(111)).stale());
    }

    @Test
    void memoryIsNeverOvercommittedCpuIsByTheFactor() {
        CapacityEstimator two = new CapacityEstimator(new CapacitySettings(2.0, Millicores.ZERO, 0.0, Bytes.ZERO,
                Duration.ofSeconds(10), Duration.ofMinutes(5)));
        var e = two.estimate(List.of(Samples.node(T, 2, 4, 0, 0)), T);
        assertEquals(new Millicores(4000), two.cpuLimit(e));
        assertTrue(two.admits(e, Resources.of(3000, 0), Resources.of(1000, 1L << 30)));
        assertFalse(two.admits(e, Resources.of(3500, 0), Resources.of(1000, 1L << 30)));
        assertFalse(two.admits(e, Resources.of(0, 3L << 30), Resources.of(100, (1L << 30) + 1)));
    }

    /** Policy table: fraction caps, lending hours, cordon. */
    @Test
    void lendingPolicyCapsAndWindows() {
        IncumbentHistory h = est.newHistory();
        h.record(Samples.node(T, 4, 16, 0, 0)); // idle node: lends 3.9 CPUs, 14.4G
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        LendingPolicy nights = LendingPolicy.during(new LendingHours.Weekly(berlin,
                List.of(new LendingWindow(LendingWindow.WEEKDAYS, LocalTime.of(20, 0), LocalTime.of(7, 0)),
                        LendingWindow.allDay(LendingWindow.WEEKEND))));

        var capped = est.estimate(h, T, LendingPolicy.fractions(0.6, 0.5), T);
        assertEquals(new Millicores(2400), capped.lendableCpu());
        assertEquals(new Millicores(2400), capped.cpuPolicyCap());
        assertEquals(new Bytes(8L << 30), capped.lendableMemory());
        assertTrue(capped.basis().contains("capped by lending policy at 60% CPU, 50% memory"), capped.basis());

        var loose = est.estimate(h, T, LendingPolicy.fractions(1.0, 1.0), T);
        assertEquals(new Millicores(3900), loose.lendableCpu(), "a loose cap does not bind");

        // 2026-11-27 is a Friday; 10:00 UTC is 11:00 in Berlin: outside the windows, lending resumes at 20:00.
        var day = est.estimate(h, T, nights, T);
        assertEquals(Resources.ZERO, day.lendable());
        assertFalse(day.stale());
        assertTrue(day.basis().startsWith("lends nothing: outside lending hours until 2026-11-27T19:00:00Z"), day.basis());
        // Friday 22:00 Berlin: lending through the weekend (the weekend window joins Friday night's) until Sunday
        // midnight: Monday 00:00-07:00 is Sunday night, which "Mon-Fri 20:00-07:00" does not cover.
        Instant fridayNight = Instant.parse("2026-11-27T21:00:00Z");
        h.record(Samples.node(fridayNight, 4, 16, 0, 0));
        var night = est.estimate(h, fridayNight, nights, fridayNight);
        assertEquals(new Millicores(3900), night.lendableCpu());
        assertEquals(Instant.parse("2026-11-29T23:00:00Z"), night.lendsUntil());

        var cordoned = est.estimate(h, fridayNight, nights.and(LendingPolicy.cordon()), fridayNight);
        assertEquals(Resources.ZERO, cordoned.lendable());
        assertTrue(cordoned.basis().contains("cordoned"), cordoned.basis());
        assertNull(est.estimate(h, fridayNight, LendingPolicy.OPEN, fridayNight).lendsUntil());
    }

    @Test
    void aResizedNodeStartsItsHistoryOver() {
        IncumbentHistory h = est.newHistory();
        for (int i = 0; i < 100; i++) {
            h.record(Samples.node(T.plusSeconds(i), 4, 16, 3000, 12_000));
        }
        h.record(Samples.node(T.plusSeconds(100), 8, 32, 100, 1024));
        var e = est.estimate(h, T.plusSeconds(100), LendingPolicy.OPEN, T.plusSeconds(100));
        assertEquals(Resources.of(8000, 32L << 30), e.capacity());
        assertEquals(100, e.cpu().forecast());
        assertEquals(T.plusSeconds(100), h.first());
    }

    @Test
    void repeatedOrOlderReadingsAreIgnored() {
        IncumbentHistory h = est.newHistory();
        assertTrue(h.record(Samples.node(T, 4, 16, 100, 100)));
        assertFalse(h.record(Samples.node(T, 4, 16, 3900, 100)));
        assertFalse(h.record(Samples.node(T.minusSeconds(5), 4, 16, 3900, 100)));
        assertEquals(100, est.estimate(h, T, LendingPolicy.OPEN, T).cpu().forecast());
    }

    @Test
    void cpuLendMinLendsThatMuchOnABusyNodeButNeverMoreThanItHasNorPastAPolicy() {
        IncumbentHistory h = est.newHistory();
        for (int i = 0; i < 100; i++) {
            h.record(Samples.node(T.plusSeconds(i), 4, 16, 4000, 1024));
        }
        Instant now = T.plusSeconds(99);
        assertEquals(0, est.estimate(h, now, LendingPolicy.OPEN, now).lendableCpu().value(), "busy: lends nothing");
        var floor = new CapacityEstimator(CapacitySettings.DEFAULTS.withCpuLendMin(new Millicores(1000)));
        assertEquals(1000, floor.estimate(h, now, LendingPolicy.OPEN, now).lendableCpu().value());
        var all = new CapacityEstimator(CapacitySettings.DEFAULTS.withCpuLendMin(new Millicores(9000)));
        assertEquals(4000, all.estimate(h, now, LendingPolicy.OPEN, now).lendableCpu().value(), "at most the node");
        assertEquals(0, floor.estimate(h, now, LendingPolicy.cordon(), now).lendableCpu().value(), "a cordon still wins");
    }
}
