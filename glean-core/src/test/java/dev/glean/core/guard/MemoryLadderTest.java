package dev.glean.core.guard;

import static dev.glean.core.guard.FakeNode.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.guard.GuardAction.Evict;
import dev.glean.core.guard.GuardAction.ReclaimMemory;
import dev.glean.core.guard.GuardAction.RestoreMemory;
import dev.glean.core.guard.GuardAction.ResumeAdmitting;
import dev.glean.core.guard.GuardAction.SetCpuQuota;
import dev.glean.core.guard.GuardAction.StopAdmitting;
import dev.glean.core.guard.GuardReadings.Secondary;
import dev.glean.core.resources.Bytes;
import dev.glean.core.schedule.CapacityEstimator;
import dev.glean.core.schedule.CapacitySettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The memory ladder on a 10 GiB node with the default reserve (10 %: 1024 MiB). Balanced: stop admitting below
 * 2048 MiB available, reclaim below 1536 MiB, evict below 1024 MiB (until 1280 MiB would be available).
 */
class MemoryLadderTest {

    private static FakeNode node(GuardMode mode) {
        FakeNode n = new FakeNode(mode);
        n.total = Bytes.ofMiB(10 * 1024);
        n.available = Bytes.ofMiB(8000);
        n.incumbentMillicores = 0; // the CPU loop stays quiet
        n.secondary("a", 0, 1, 300, 700, 2048);
        n.secondary("b", 0, 5, 400, 10, 1024);
        n.secondary("c", 5, 10, 600, 0, 1024);
        n.step();
        return n;
    }

    private static List<GuardAction> memoryActions(List<GuardAction> actions) {
        return actions.stream().filter(a -> !(a instanceof SetCpuQuota)).toList();
    }

    private static List<String> kinds(List<GuardAction> actions) {
        return memoryActions(actions).stream().map(a -> a.getClass().getSimpleName()
                + (a instanceof ReclaimMemory r ? " " + r.containerId() + " " + r.limit()
                : a instanceof Evict e ? " " + e.containerId()
                : a instanceof RestoreMemory m ? " " + m.containerId() + " " + m.limit() : "")).toList();
    }

    @Test
    void eachWatermarkAddsItsStepInOrder() {
        FakeNode n = node(GuardMode.BALANCED);
        record Row(long availableMiB, List<String> expected) {}
        List<Row> rows = List.of(
                new Row(3000, List.of()),
                new Row(2000, List.of("StopAdmitting")),
                new Row(1500, List.of("ReclaimMemory a 332M")), // 300M + 32M slack; b has too little cache, c none
                new Row(1000, List.of("Evict b"))); // 280M short of 1280M: b, the newest of the lowest priority, holds 400M
        for (Row row : rows) {
            n.available = Bytes.ofMiB(row.availableMiB());
            // Held for a second: each step down is one jump, not a fall that goes on (see the fast-fall tests).
            assertEquals(row.expected(), kinds(n.runFor(Duration.ofSeconds(1))), "at " + row.availableMiB() + " MiB available");
        }
    }

    @Test
    void aFallThatGoesOnEvictsBeforeTheReserveIsReachedEnoughForASecondOfIt() {
        FakeNode n = node(GuardMode.BALANCED);
        record Row(long availableMiB, List<String> expected) {}
        // An incumbent claiming 3 GiB/s: 300 MiB less at each reading.
        List<Row> rows = List.of(
                new Row(3000, List.of()),
                new Row(2700, List.of()),
                new Row(2400, List.of()),
                new Row(2100, List.of()), // falls 3000 MiB/s, but still above the admission watermark (2048)
                new Row(1800, List.of("StopAdmitting", "Evict b", "Evict a", "Evict c")));
                // 1800 - 3000 = -1200 MiB a second ahead: 2480M to free, every container
        for (Row row : rows) {
            n.available = Bytes.ofMiB(row.availableMiB());
            assertEquals(row.expected(), kinds(n.step()), "at " + row.availableMiB() + " MiB available");
        }
        Evict e = only(n.taken.stream().map(FakeNode.Taken::action).toList(), Evict.class).get(0);
        assertEquals(3000.0, e.readings().get("availableFallMiBPerSecond"));
        assertTrue(e.reason().startsWith("available memory 1800M falls 3000M/s and would be 0 in 1000 ms, below the reserve"
                + " of 1G: evict b (priority 0, holding 400M"), e.reason());
    }

    @Test
    void aSlowFallOrASingleJumpProjectsNothing() {
        FakeNode slow = node(GuardMode.BALANCED);
        slow.available = Bytes.ofMiB(2100);
        slow.step();
        List<String> seen = new ArrayList<>();
        for (long a = 2090; a >= 1100; a -= 10) { // 100 MiB/s: 1 s ahead is still above the reserve until ~1124
            slow.available = Bytes.ofMiB(a);
            kinds(slow.step()).stream().filter(k -> k.startsWith("Evict")).forEach(k -> seen.add(k));
        }
        assertEquals(List.of("Evict b"), seen, "one eviction, when the projection crossed the reserve");

        FakeNode jump = node(GuardMode.BALANCED);
        jump.available = Bytes.ofMiB(1500); // 6.5 GiB in one reading, then steady
        assertEquals(List.of("StopAdmitting", "ReclaimMemory a 332M"), kinds(jump.step()));
        assertEquals(List.of(), kinds(jump.runFor(Duration.ofSeconds(2))));
    }

    @Test
    void aSuddenDropStopsReclaimsAndEvictsInOneReadingInThatOrder() {
        FakeNode n = node(GuardMode.BALANCED);
        n.available = Bytes.ofMiB(700);
        List<GuardAction> actions = n.step();
        assertEquals(List.of("StopAdmitting", "Evict b", "Evict a"), kinds(actions),
                "580M short: b (400M) and a (300M), never c (priority 5); nothing left worth a reclaim");
        Evict e = only(actions, Evict.class).get(0);
        assertEquals(700.0, e.readings().get("availableMiB"));
        assertEquals(1024.0, e.readings().get("reserveMiB"));
        assertTrue(e.reason().startsWith("available memory 700M is below the reserve of 1G: evict b (priority 0"), e.reason());
    }

    @Test
    void theVictimIsTheNewestOfTheLowestPriorityThatHoldsMemory() {
        FakeNode n = new FakeNode(GuardMode.MAX_HARVEST);
        n.total = Bytes.ofMiB(10 * 1024);
        n.secondary("old-low", 0, 1, 500, 0, 1024);
        n.secondary("new-high", 9, 30, 500, 0, 1024);
        n.secondary("new-low", 0, 20, 500, 0, 1024);
        n.secondary("newest-low-empty", 0, 25, 0, 0, 1024);
        n.available = Bytes.ofMiB(1000);
        assertEquals(List.of("StopAdmitting", "Evict new-low"), kinds(n.step()), "max-harvest keeps the memory ladder too");
    }

    @Test
    void memoryOnItsWayBackCountsAsFreedAndAShortageItDoesNotCoverEvictsAtOnce() {
        FakeNode n = node(GuardMode.BALANCED);
        n.available = Bytes.ofMiB(900); // 380M short: b (400M) alone
        assertEquals(List.of("b"), only(n.step(), Evict.class).stream().map(Evict::containerId).toList());
        assertEquals(List.of(), only(n.runFor(Duration.ofSeconds(3)), Evict.class),
                "b still stops: its 400M are counted as coming back, and b is not chosen again");
        n.secondaries.removeIf(s -> s.id().equals("b"));
        n.available = Bytes.ofMiB(1000); // b gave back less than it seemed to hold: still 280M short
        List<Evict> next = only(n.step(), Evict.class);
        assertEquals(List.of("a"), next.stream().map(Evict::containerId).toList());
        assertEquals(java.util.Set.of("a"), n.state.evicting(), "b is gone from the node, so from the list");

        FakeNode quick = node(GuardMode.BALANCED);
        quick.available = Bytes.ofMiB(900);
        quick.step();
        quick.secondaries.removeIf(s -> s.id().equals("b"));
        List<String> at = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            only(quick.step(), Evict.class).forEach(e -> at.add(e.containerId() + "@" + quick.clock.instant()));
        }
        assertEquals(List.of("a@2026-11-27T10:00:00.200Z", "c@2026-11-27T10:00:00.200Z"), at,
                "still 380M short once b is gone: a shortage does not wait for a cool-down, enough of them at once");
    }

    @Test
    void admissionResumesOnlyAboveTheWatermarkPlusMarginHeldForTheCoolDown() {
        FakeNode n = node(GuardMode.BALANCED);
        n.available = Bytes.ofMiB(2000);
        assertEquals(1, only(n.step(), StopAdmitting.class).size());
        n.available = Bytes.ofMiB(2200); // above 2048 but below 2048 + 256
        assertEquals(List.of(), memoryActions(n.runFor(Duration.ofSeconds(60))));
        n.available = Bytes.ofMiB(2400);
        assertEquals(List.of(), memoryActions(n.runFor(Duration.ofSeconds(20))));
        n.available = Bytes.ofMiB(2200); // the clear spell breaks: the cool-down starts again
        n.step();
        n.available = Bytes.ofMiB(2400);
        java.time.Instant clearFrom = n.clock.instant().plus(FakeNode.TICK);
        List<FakeNode.Taken> later = new ArrayList<>();
        n.taken.clear();
        n.runFor(Duration.ofSeconds(40));
        n.taken.stream().filter(t -> !(t.action() instanceof SetCpuQuota)).forEach(later::add);
        assertEquals(1, later.size(), later.toString());
        assertTrue(later.get(0).action() instanceof ResumeAdmitting);
        assertEquals(clearFrom.plusSeconds(30), later.get(0).at(), "30 s after the last break");
        assertTrue(n.state.admitting());
    }

    @Test
    void aLoweredLimitFollowsTheContainersOwnGrowthAndIsGivenBackWhenMemoryIsPlentiful() {
        FakeNode n = node(GuardMode.BALANCED);
        n.available = Bytes.ofMiB(1500);
        assertEquals(List.of("StopAdmitting", "ReclaimMemory a 332M"), kinds(n.step()));
        n.secondaries.set(0, new Secondary("a", 0, FakeNode.T0.plusSeconds(1), Bytes.ofMiB(310), Bytes.ofMiB(20),
                Bytes.ofMiB(332), 4));
        assertEquals(List.of(), kinds(n.step()), "310M + 16M is still under 332M");
        n.secondaries.set(0, new Secondary("a", 0, FakeNode.T0.plusSeconds(1), Bytes.ofMiB(320), Bytes.ofMiB(10),
                Bytes.ofMiB(332), 4));
        assertEquals(List.of("ReclaimMemory a 352M"), kinds(n.step()), "raised with its memory, still below its own 2G");

        n.available = Bytes.ofMiB(3000);
        List<String> later = new ArrayList<>();
        for (int i = 0; i < 450; i++) {
            List<String> k = kinds(n.step());
            if (!k.isEmpty()) {
                later.add(n.clock.instant() + " " + k);
            }
        }
        assertEquals(List.of("2026-11-27T10:00:10.400Z [RestoreMemory a 2G]",
                "2026-11-27T10:00:40.500Z [ResumeAdmitting]"), later, "10 s to restore the limits, 30 s more to admit");
    }

    @Test
    void memoryStallReclaimsWithPlentyAvailableButEvictsOnlyWhenMemoryIsAlsoShort() {
        FakeNode n = node(GuardMode.BALANCED);
        n.available = Bytes.ofMiB(5000);
        n.memoryStall = 0.15;
        List<GuardAction> plenty = n.runFor(Duration.ofSeconds(5));
        assertEquals(List.of("StopAdmitting", "ReclaimMemory a 332M"), kinds(plenty));
        assertTrue(only(plenty, StopAdmitting.class).get(0).reason().contains("memory stall"));

        FakeNode m = node(GuardMode.BALANCED);
        m.available = Bytes.ofMiB(1900);
        m.memoryStall = 0.15;
        List<FakeNode.Taken> evictions = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            m.step();
        }
        m.taken.stream().filter(t -> t.action() instanceof Evict).forEach(evictions::add);
        assertEquals(1, evictions.size(), "one container per eviction cool-down: " + evictions);
        assertEquals("b", ((Evict) evictions.get(0).action()).containerId());
        Duration after = Duration.between(FakeNode.T0, evictions.get(0).at());
        assertTrue(after.compareTo(Duration.ofMillis(1500)) <= 0, "the smoothed stall crossed 10 % at ~1.1 s: " + after);
    }

    @Test
    void theEvictionWatermarkIsTheControllersAdmissionReserve() {
        CapacitySettings capacity = new CapacitySettings(1.0, dev.glean.core.resources.Millicores.ZERO, 0.20,
                Bytes.ofMiB(256), Duration.ofSeconds(10), Duration.ofMinutes(5));
        GuardSettings settings = GuardSettings.forMode(GuardMode.STRICT, capacity);
        Bytes total = Bytes.ofMiB(10 * 1024);
        assertEquals(new CapacityEstimator(capacity).settings().memoryReserve(total), settings.memory().reserve(total));

        FakeNode n = new FakeNode(settings);
        n.total = total;
        n.secondary("x", 0, 1, 100, 0, 512);
        n.available = Bytes.ofMiB(2048);
        n.step();
        assertEquals(List.of(), only(n.step(), Evict.class), "at the reserve: not yet");
        n.available = Bytes.ofMiB(2047);
        assertEquals(1, only(n.step(), Evict.class).size(), "one MiB under it: evict");
    }
}
