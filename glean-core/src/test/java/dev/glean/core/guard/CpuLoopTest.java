package dev.glean.core.guard;

import static dev.glean.core.guard.FakeNode.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.guard.GuardAction.SetCpuQuota;
import dev.glean.core.resources.Millicores;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The CPU quota loop on a 2-CPU node (capacity 2000m). Balanced: target the incumbents' own run-queue wait + 150 ms/s
 * (0.075 per CPU; no own wait is learned where the secondaries run from the first reading), growth only below own +
 * 105 ms/s, one reading counting at most twice the target, floor 100m, no ceiling below capacity. Strict: own + 100,
 * smoothed over 1 s, cuts by half at most every 500 ms, floor 40m.
 */
class CpuLoopTest {

    /** Secondaries that would use all the CPU they get (two busy loops): their use is the cap. */
    private static List<GuardAction> hogStep(FakeNode n) {
        n.secondaryMillicores = Math.max(0, n.cap());
        return n.step();
    }

    /** Secondaries on the whole node from the first reading (so no own wait is learned), 2 s of readings at {@code waitMs}. */
    private static FakeNode runningFromTheStart(GuardMode mode, double waitMs) {
        FakeNode n = new FakeNode(mode);
        n.incumbentMillicores = 0;
        n.waitMsPerSecond = waitMs;
        hogStep(n);
        n.secondaryMillicores = 2000;
        n.run(20);
        return n;
    }

    /** Hog readings until one moves the cap (at most 20); its actions go to {@code cut}. */
    private static int readingsUntilACut(FakeNode n, List<GuardAction> cut) {
        for (int readings = 1; readings <= 20; readings++) {
            List<GuardAction> a = hogStep(n);
            if (!caps(a).isEmpty()) {
                cut.addAll(a);
                return readings;
            }
        }
        return -1;
    }

    private static List<Long> caps(List<GuardAction> actions) {
        return only(actions, SetCpuQuota.class).stream().map(q -> q.cap().millicores(2000)).toList();
    }

    @Test
    void theFirstReadingSetsTheCeilingOfEachMode() {
        FakeNode balanced = new FakeNode(GuardMode.BALANCED);
        assertEquals(List.of(CpuCap.UNLIMITED), only(balanced.step(), SetCpuQuota.class).stream().map(SetCpuQuota::cap).toList(),
                "no cap until the incumbents wait: the idle class alone");
        FakeNode strict = new FakeNode(GuardMode.STRICT);
        assertEquals(List.of(CpuCap.UNLIMITED), only(strict.step(), SetCpuQuota.class).stream().map(SetCpuQuota::cap).toList(),
                "no CPU kept back for good either: measured, it gave no better tail for half the harvest (PERFORMANCE)");
        FakeNode harvest = new FakeNode(GuardMode.MAX_HARVEST);
        assertEquals(List.of(CpuCap.UNLIMITED), only(harvest.step(), SetCpuQuota.class).stream().map(SetCpuQuota::cap).toList());
    }

    @Test
    void capsAreAppliedWithThe100msPeriodAndConfinedToTheCpusTheyNeedButMaxHarvestIsNotConfined() {
        var reserve = dev.glean.core.schedule.CapacitySettings.DEFAULTS;
        for (GuardMode m : List.of(GuardMode.BALANCED, GuardMode.STRICT)) {
            GuardSettings.Cpu c = GuardSettings.forMode(m, reserve).cpu();
            assertEquals(Duration.ofMillis(100), c.cfsPeriod(), m.text());
            assertTrue(c.confine(), m.text());
        }
        GuardSettings.Cpu h = GuardSettings.forMode(GuardMode.MAX_HARVEST, reserve).cpu();
        assertEquals(Duration.ofMillis(100), h.cfsPeriod());
        assertTrue(!h.confine() && !h.loop());
        assertEquals(1, new CpuCap.Limit(new Millicores(1)).cpus(2));
        assertEquals(1, new CpuCap.Limit(new Millicores(1000)).cpus(2));
        assertEquals(2, new CpuCap.Limit(new Millicores(1001)).cpus(2));
        assertEquals(2, CpuCap.UNLIMITED.cpus(2));
        assertEquals(4, new CpuCap.Limit(new Millicores(9000)).cpus(4));
    }

    /**
     * Incumbents that wait 200 ms/s on their own (above balanced's 150): the first cut takes the secondaries to their
     * floor, where the wait stays 200 — their own. Learned there, the target becomes that plus what the secondaries
     * may add (the larger of 150 and half the own wait: 350), and the secondaries grow back while the wait stays
     * below 200 + 0.7 x 150 = 305; 450 cuts them again.
     */
    @Test
    void theTargetIsAnAllowanceAboveTheIncumbentsOwnWait() {
        FakeNode n = new FakeNode(GuardMode.BALANCED);
        n.incumbentMillicores = 0;
        hogStep(n);
        n.waitMsPerSecond = 200;
        long lowest = Long.MAX_VALUE;
        for (int i = 0; i < 40; i++) {
            hogStep(n); // cut, cut, ... down to the floor
            lowest = Math.min(lowest, n.cap());
        }
        assertEquals(100L, lowest, "cut to the floor while the wait was taken for harm");
        n.taken.clear();
        for (int i = 0; i < 300; i++) { // 30 s more, the wait unchanged: it is the incumbents' own
            hogStep(n);
        }
        assertTrue(n.cap() > 1000, "grown back once the own wait was learned: " + n.cap());
        List<SetCpuQuota> moves = n.taken.stream().map(FakeNode.Taken::action).filter(a -> a instanceof SetCpuQuota)
                .map(a -> (SetCpuQuota) a).toList();
        SetCpuQuota grow = moves.get(moves.size() - 1);
        assertEquals(200.0, grow.readings().get("ownWaitMsPerSecond"), 5.0);
        assertEquals(350.0, grow.readings().get("targetMsPerSecond"), 5.0);
        n.waitMsPerSecond = 450; // secondaries add 250 ms/s: above the allowance
        long before = n.cap();
        for (int i = 0; i < 15; i++) {
            hogStep(n);
        }
        assertTrue(n.cap() < before, "cut again: " + before + " -> " + n.cap());
    }

    /** Learns the incumbents' own wait with the secondaries stopped, then lets them run at the given added wait. */
    private static FakeNode afterOwnWait(GuardMode mode, double ownMs, double withSecondariesMs) {
        FakeNode n = new FakeNode(mode);
        n.incumbentMillicores = 0;
        n.secondaryMillicores = 0; // stopped, as between a benchmark's loaded runs, or before the first job
        n.waitMsPerSecond = ownMs;
        n.run(300);
        n.waitMsPerSecond = withSecondariesMs;
        for (int i = 0; i < 100; i++) {
            hogStep(n);
        }
        return n;
    }

    /**
     * Strict judges the secondaries by the wait they add, 100 ms/s at most, where it had a fixed 100 ms/s: beside
     * incumbents that wait 20 ms/s on their own, hogs adding 86 (what two idle-class loops added in bench/protect)
     * keep the whole node, where the fixed target cut them to a sliver; adding 130 cuts them in strict (120) but
     * not in balanced (170). Where the incumbents wait much on their own, balanced allows half of that on top, strict
     * still 100; an own wait above 400 leaves strict's secondaries no room.
     */
    @Test
    void strictAllowsTheSecondariesToAdd100msPerSecondToTheIncumbentsOwnWait() {
        assertEquals(2000L, afterOwnWait(GuardMode.STRICT, 20, 106).cap(), "20 + 86: within 20 + 100");
        FakeNode more = afterOwnWait(GuardMode.STRICT, 20, 150);
        assertTrue(more.cap() <= 500, "20 + 130: cut, and held (no growth above 20 + 60): " + more.cap());
        assertEquals(2000L, afterOwnWait(GuardMode.BALANCED, 20, 150).cap(), "balanced allows 150 on top");
        assertEquals(2000L, afterOwnWait(GuardMode.STRICT, 250, 340).cap(), "own 250: 90 more is within strict's 100");
        assertTrue(afterOwnWait(GuardMode.STRICT, 250, 370).cap() < 2000, "120 more: cut");
        assertEquals(2000L, afterOwnWait(GuardMode.BALANCED, 400, 580).cap(), "own 400: balanced allows 400 / 2 = 200 more");
        assertTrue(afterOwnWait(GuardMode.BALANCED, 400, 620).cap() < 2000, "220 more: cut");
        assertTrue(afterOwnWait(GuardMode.STRICT, 500, 500).cap() < 2000, "own 500 counts as 300 (target 400): no room");
        for (GuardMode m : List.of(GuardMode.BALANCED, GuardMode.STRICT)) {
            assertTrue(GuardSettings.forMode(m, dev.glean.core.schedule.CapacitySettings.DEFAULTS).cpu().followOwnWait(), m.text());
        }
    }

    @Test
    void theOwnWaitCountsAtMostThreeTargets() {
        FakeNode n = new FakeNode(GuardMode.BALANCED);
        n.incumbentMillicores = 0;
        hogStep(n);
        n.waitMsPerSecond = 5000; // an overloaded host: the incumbents alone wait 5 s/s
        for (int i = 0; i < 400; i++) {
            hogStep(n);
        }
        assertEquals(100L, n.cap(), "1.5 x (3 x 150) = 675 ms/s at most: 5000 stays harm, the secondaries stay at the floor");
    }

    @Test
    void harmCutsAtOnceAndTheCapGrowsBackSlowlyFastestFarBelowTheLastHarm() {
        FakeNode n = new FakeNode(GuardMode.BALANCED);
        n.incumbentMillicores = 0;
        hogStep(n);
        n.waitMsPerSecond = 300;
        List<GuardAction> cut = hogStep(n);
        assertEquals(List.of(1200L), caps(cut), "60 % of the 2000m they used");
        SetCpuQuota q = only(cut, SetCpuQuota.class).get(0);
        assertTrue(q.reason().contains("run-queue wait averaged 300 ms/s (target 150 ms/s)"), q.reason());
        assertEquals(300.0, q.readings().get("waitMsPerSecond"));
        assertEquals(2000.0, q.readings().get("capBeforeMillicores"));
        Instant cutAt = n.clock.instant();

        n.waitMsPerSecond = 80;
        n.taken.clear();
        for (int i = 0; i < 60; i++) {
            hogStep(n);
        }
        List<Long> grown = n.taken.stream().map(t -> ((SetCpuQuota) t.action()).cap().millicores(2000)).toList();
        assertEquals(List.of(1400L, 1600L, 1800L, 1900L, 2000L), grown,
                "200m steps up to 90 % of the 2000m that hurt, 100m steps after, up to no cap at all");
        List<Instant> at = n.taken.stream().map(FakeNode.Taken::at).toList();
        // The hold is a second; the average, smoothed over a second, falls from 300 to below the growth mark (105)
        // only when 80 + 220 e^-t < 105, t = ln(220 / 25) = 2.2 s after the wait dropped.
        Duration held = Duration.between(cutAt, at.get(0));
        assertTrue(held.compareTo(Duration.ofMillis(2100)) >= 0 && held.compareTo(Duration.ofMillis(2400)) <= 0,
                "held until the smoothed wait fell below the growth mark: " + held);
        for (int i = 1; i < at.size(); i++) {
            assertEquals(Duration.ofMillis(500), Duration.between(at.get(i - 1), at.get(i)), "one step per 500 ms");
        }
    }

    /**
     * A series of cuts is one harm: growth is fast up to 90 % of where the series began, not of where it ended (the
     * later cuts of a series follow the smoothed wait, which lags the first cut).
     */
    @Test
    void aSeriesOfCutsRemembersTheCapAtWhichTheHarmBegan() {
        FakeNode n = new FakeNode(GuardMode.STRICT);
        n.incumbentMillicores = 0;
        hogStep(n);
        n.waitMsPerSecond = 600;
        List<Long> cuts = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            cuts.addAll(caps(hogStep(n)));
        }
        assertEquals(List.of(1000L, 500L, 250L), cuts, "strict halves every 500 ms while the wait lasts");
        n.waitMsPerSecond = 20;
        n.taken.clear();
        n.runFor(Duration.ofSeconds(3)); // the hold
        for (int i = 0; i < 120; i++) {
            hogStep(n);
        }
        List<Long> grown = caps(n.taken.stream().map(FakeNode.Taken::action).toList());
        assertEquals(List.of(450L, 650L, 850L, 1050L, 1250L, 1450L, 1650L, 1850L, 1950L, 2000L), grown,
                "200m steps while below 90 % of the 2000m at which the harm began, then 100m steps");
    }

    @Test
    void inBalancedABurstDoesNotCutHoweverHighButAWaitThatLastsDoes() {
        FakeNode n = runningFromTheStart(GuardMode.BALANCED, 80); // the target is 150
        n.waitMsPerSecond = 10_000; // the incumbents' own burst: counts as 300 ms/s (twice the target) at most
        assertEquals(List.of(), caps(n.run(2)), "two readings: 80 + (1 - e^-0.2) x 220 = 120 ms/s");
        n.waitMsPerSecond = 80;
        n.run(20);
        n.waitMsPerSecond = 300;
        List<GuardAction> cut = new ArrayList<>();
        int readings = readingsUntilACut(n, cut);
        assertEquals(List.of(1200L), caps(cut), "60 % of what they used");
        assertEquals(4, readings, "300 - 220 e^-0.4 = 153 ms/s: above 150 after four readings");
        assertTrue(cut.get(0).reason().contains("(target 150 ms/s)"), cut.get(0).reason());
    }

    /**
     * Strict no longer cuts on a single reading over twice its target, nor on two: the incumbents' own wait jumps
     * that high on its own (100 ms readings of 150-360 ms/s around a mean of ~40 with no secondary running, bench/
     * protect's rr incumbent), and each such cut cost the secondaries half the node for seconds. It smooths over a
     * second, so a wait above its target for about half a second cuts.
     */
    @Test
    void strictCutsOnAWaitThatLastsNotOnBursts() {
        FakeNode n = runningFromTheStart(GuardMode.STRICT, 20); // the target is 100
        for (int burst = 0; burst < 3; burst++) {
            n.waitMsPerSecond = 360;
            assertEquals(List.of(), caps(n.run(2)), "two readings count as 200 at most each");
            n.waitMsPerSecond = 20;
            n.run(10);
        }
        n.waitMsPerSecond = 250;
        List<GuardAction> cut = new ArrayList<>();
        int readings = readingsUntilACut(n, cut);
        assertEquals(List.of(1000L), caps(cut), "half of the whole node");
        assertTrue(readings >= 4 && readings <= 8, "after about half a second: " + readings + " readings");
    }

    @Test
    void noCutWhileTheSecondariesHardlyRun() {
        FakeNode n = new FakeNode(GuardMode.BALANCED);
        n.incumbentMillicores = 0;
        n.step();
        n.secondaryMillicores = 30; // under 2 % of the node: the incumbents' wait is their own
        n.waitMsPerSecond = 600;
        assertEquals(List.of(), n.run(30));
        assertEquals(2000, n.cap());
    }

    @Test
    void sustainedHarmCutsEvery500msDownToTheFloor() {
        FakeNode n = new FakeNode(GuardMode.BALANCED);
        n.incumbentMillicores = 0;
        hogStep(n);
        n.waitMsPerSecond = 600;
        List<Long> caps = new ArrayList<>();
        List<Instant> at = new ArrayList<>();
        for (int i = 0; i < 30; i++) { // 3 s: later, at the floor, the wait would be learned as the incumbents' own
            List<Long> c = caps(hogStep(n));
            caps.addAll(c);
            c.forEach(x -> at.add(n.clock.instant()));
        }
        assertEquals(List.of(1200L, 720L, 432L, 259L, 155L, 100L), caps, "60 % at a time, 5 % floor");
        for (int i = 1; i < at.size(); i++) {
            assertEquals(Duration.ofMillis(500), Duration.between(at.get(i - 1), at.get(i)), "a cut every 500 ms");
        }
    }

    @Test
    void betweenGrowthMarkAndTargetTheCapHolds() {
        FakeNode n = new FakeNode(GuardMode.BALANCED);
        n.incumbentMillicores = 0;
        hogStep(n);
        n.waitMsPerSecond = 300;
        hogStep(n);
        n.waitMsPerSecond = 120; // above 0.7 x 150, below 150
        n.taken.clear();
        for (int i = 0; i < 600; i++) {
            hogStep(n);
        }
        assertEquals(List.of(), n.taken, "a minute without a single change");
        assertEquals(1200, n.cap());
    }

    @Test
    void anIncumbentBurstAloneDoesNotLowerTheCapInAnyMode() {
        for (GuardMode m : GuardMode.values()) {
            FakeNode n = new FakeNode(m);
            n.incumbentMillicores = 0;
            hogStep(n);
            long before = n.cap();
            n.taken.clear();
            n.incumbentMillicores = 1200; // the idle class makes way for it at once; only its wait would count
            n.run(20);
            assertEquals(List.of(), n.taken, m.text());
            assertEquals(before, n.cap(), m.text());
        }
    }

    /** The ceiling that follows the incumbents' peak (off in every mode, kept as a switch: see GuardSettings). */
    @Test
    void anIncumbentBurstLowersTheCeilingBeforeItsWaitShowsAndItsEndRaisesItGradually() {
        GuardSettings b = GuardSettings.forMode(GuardMode.BALANCED, dev.glean.core.schedule.CapacitySettings.DEFAULTS);
        GuardSettings.Cpu c = b.cpu();
        GuardSettings.Cpu peak = new GuardSettings.Cpu(c.loop(), c.waitTarget(), c.spike(), c.smoothing(), c.cpuStallTarget(),
                c.cut(), c.cutSpacing(), c.hold(), c.growEvery(), c.lowWater(), c.growStep(), c.floor(), c.headroom(),
                c.reserved(), c.reservedMin(), c.peakDecayPerSecond(), c.incumbentSmoothing(), c.blame(), c.minChange(),
                c.ceilingSlack(), c.cfsPeriod(), c.confine(), c.followOwnWait(), c.ownShare(), true, c.clip());
        FakeNode n = new FakeNode(new GuardSettings(b.mode(), b.tick(), peak, b.memory(), b.io(), b.pids()));
        n.incumbentMillicores = 0;
        hogStep(n);
        n.run(10);
        n.taken.clear();
        n.incumbentMillicores = 1200;
        for (int i = 0; i < 10; i++) {
            hogStep(n);
        }
        assertTrue(n.cap() <= 2000 - 1200 - 200 + 100,
                "within a second the cap is within the 100m slack of leaving 200m beside the incumbents: " + n.cap());
        assertTrue(n.taken.size() <= 6, "a few steps, not one per reading: " + n.taken.size());
        assertTrue(n.taken.stream().allMatch(t -> t.action().reason().contains("keep 0.20 CPU free")),
                "lowered by the ceiling, not by harm: " + n.taken);

        n.incumbentMillicores = 0;
        n.taken.clear();
        long before = n.cap();
        for (int i = 0; i < 100; i++) {
            long was = n.cap();
            hogStep(n);
            assertTrue(n.cap() - was <= 200, "at most one 200m step at a time");
        }
        assertEquals(1800, n.cap(), "back at the ceiling after 10 s");
        assertTrue(n.taken.size() >= (1800 - before) / 200, "in steps: " + n.taken.size());
        Duration first = Duration.between(n.taken.get(0).at(), n.taken.get(n.taken.size() - 1).at());
        assertTrue(first.compareTo(Duration.ofSeconds(2)) >= 0, "gradually, over " + first);
    }

    @Test
    void strictLendsTheWholeNodeWhileTheIncumbentsWaitLittleAndCutsToOneConfinedCpuAndBelowWhenTheyWait() {
        FakeNode n = new FakeNode(GuardMode.STRICT);
        n.incumbentMillicores = 0;
        n.waitMsPerSecond = 20;
        hogStep(n);
        assertEquals(2000, n.cap(), "uncapped: the idle class alone");
        n.waitMsPerSecond = 220; // above strict's 100 ms/s target
        assertEquals(List.of(1000L), caps(hogStep(n)), "strict cuts by half (the first reading starts the average)");
        assertEquals(1, new CpuCap.Limit(new Millicores(1000)).cpus(2), "confined to one CPU: the other stays free");
        assertEquals(List.of(), caps(n.run(4)), "within the 500 ms between cuts");
        assertEquals(List.of(500L), caps(hogStep(n)), "and again while the wait lasts");
        n.waitMsPerSecond = 20;
        for (int i = 0; i < 600; i++) {
            hogStep(n);
        }
        assertEquals(2000, n.cap(), "back to the whole node once calm");
    }

    @Test
    void maxHarvestLiftsACapLeftBehindOnceAndThenDoesNothing() {
        FakeNode n = new FakeNode(GuardMode.MAX_HARVEST);
        GuardState s = GuardState.initial();
        n.state = new GuardState(new GuardState.Cpu(new CpuCap.Limit(new Millicores(500)), 0, 0, 0, 0, null, null, true, -1),
                s.memory(), s.io(), s.pids(), s.evicting(), s.lastEviction(), s.admitting());
        assertEquals(List.of(CpuCap.UNLIMITED), only(n.step(), SetCpuQuota.class).stream().map(SetCpuQuota::cap).toList());
        n.waitMsPerSecond = 900;
        assertEquals(List.of(), n.run(50));
    }

    /**
     * A toy incumbent whose wait grows with the square of the secondaries' use, with +-30 % noise per reading:
     * 80 ms/s alone, 469 ms/s beside 1.8 CPU of hogs, the 150 ms/s target at ~760m. Not the real host (bench/
     * measures that): this pins down that the loop settles, holds the target on average and does not flap.
     */
    @Test
    void onANoisyToyIncumbentTheLoopSettlesNearTheTargetWithoutFlapping() {
        FakeNode n = new FakeNode(GuardMode.BALANCED);
        n.incumbentMillicores = 0;
        Random noise = new Random(42);
        hogStep(n);
        double waitSum = 0;
        double capSum = 0;
        int writes = 0;
        int readings = 1200;
        for (int i = 0; i < 2 * readings; i++) {
            double use = n.cap() / 1000.0;
            n.waitMsPerSecond = (80 + 120 * use * use) * (0.7 + 0.6 * noise.nextDouble());
            List<GuardAction> a = hogStep(n);
            if (i >= readings) {
                waitSum += n.waitMsPerSecond;
                capSum += n.cap();
                writes += a.size();
            }
        }
        double meanWait = waitSum / readings;
        double meanCap = capSum / readings;
        System.out.printf("toy incumbent: mean wait %.0f ms/s, mean cap %.0fm, %d changes%n", meanWait, meanCap, writes);
        assertTrue(meanWait <= 150, "mean wait " + meanWait);
        assertTrue(meanCap >= 450, "mean cap " + meanCap + " (the target allows ~760m)");
        assertTrue(writes <= readings / 10, writes + " cap changes in 2 minutes");
    }
}
