package dev.glean.core.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.protocol.GuardEvent;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GuardEventsTest {
    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    private final GuardEvents events = new GuardEvents(Duration.ofSeconds(30));

    private static GuardAction.SetCpuQuota cap(long millicores) {
        CpuCap c = millicores < 0 ? CpuCap.UNLIMITED : new CpuCap.Limit(new Millicores(millicores));
        return new GuardAction.SetCpuQuota(c, "wait " + millicores, Map.of("waitMsPerSecond", 200.0));
    }

    @Test
    void everyActionButTheCpuCapIsOneEventWithItsContainerReasonAndReadings() {
        List<GuardAction> actions = List.of(
                new GuardAction.Evict("g-7-0-1", "memory short: evict", Map.of("availableMiB", 100.0)),
                new GuardAction.ReclaimMemory("g-7-1-1", Bytes.ofMiB(40), "reclaim", Map.of()),
                new GuardAction.RestoreMemory("g-7-1-1", Bytes.ofMiB(64), "restore", Map.of()),
                new GuardAction.ThrottleIo("8:0", new IoLimit(1, 2, 3, 4), "io busy", Map.of()),
                new GuardAction.UnthrottleIo("8:0", "io calm", Map.of()),
                new GuardAction.StopAdmitting("memory is short", Map.of()),
                new GuardAction.ResumeAdmitting("clear", Map.of()));
        List<String> kinds = new ArrayList<>();
        for (GuardAction a : actions) {
            List<GuardEvent> out = events.add(T0, a, null);
            assertEquals(1, out.size(), a.toString());
            GuardEvent e = out.get(0);
            assertEquals(a.reason(), e.reason());
            assertEquals(a.readings(), e.readings());
            assertEquals(1, e.count());
            assertNull(e.error());
            kinds.add(e.kind() + (e.containerId() == null ? "" : "@" + e.containerId()));
        }
        List<String> all = new ArrayList<>(actions.stream().map(GuardEvents::kind).toList());
        all.add(GuardEvents.kind(cap(1000)));
        assertEquals(new java.util.TreeSet<>(GuardEvents.KINDS), new java.util.TreeSet<>(all), "KINDS lists every kind");
        assertEquals(List.of("evict@g-7-0-1", "memory-reclaim@g-7-1-1", "memory-restore@g-7-1-1", "io-throttle", "io-unthrottle",
                "stop-admitting", "resume-admitting"), kinds);
    }

    @Test
    void cpuCapMovesAreFoldedIntoCappedUncappedAndASummaryThatCountsEveryMove() {
        List<GuardEvent> out = new ArrayList<>();
        Instant t = T0;
        out.addAll(events.add(t, cap(1500), null)); // capped
        long[] moves = {1200, 900, 1100, 700, 1300};
        for (long m : moves) {
            t = t.plusMillis(100);
            out.addAll(events.add(t, cap(m), null));
        }
        assertEquals(List.of(GuardEvents.CPU_CAPPED), out.stream().map(GuardEvent::kind).toList(), "moves within the window are folded");
        assertEquals(1.5, out.get(0).readings().get("capCores"));
        assertTrue(events.flush(t.plusSeconds(10)).isEmpty(), "no summary before the window has passed");
        List<GuardEvent> summary = events.flush(T0.plusMillis(100).plusSeconds(30));
        assertEquals(1, summary.size());
        GuardEvent s = summary.get(0);
        assertEquals(GuardEvents.CPU_CAP_SUMMARY, s.kind());
        assertEquals(5, s.count());
        assertEquals(0.7, s.readings().get("minCapCores"));
        assertEquals(1.3, s.readings().get("maxCapCores"));
        assertEquals(1.3, s.readings().get("capCores"));
        assertEquals(200.0, s.readings().get("waitMsPerSecond"), "the last move's readings");
        assertTrue(events.flush(T0.plusSeconds(120)).isEmpty(), "nothing new, no summary");

        List<GuardEvent> lifted = events.add(T0.plusSeconds(121), cap(-1), null);
        assertEquals(List.of(GuardEvents.CPU_UNCAPPED), lifted.stream().map(GuardEvent::kind).toList());
        long counted = 1 + s.count() + lifted.get(0).count();
        assertEquals(1 + moves.length + 1, counted, "counts add up to the moves");
    }

    @Test
    void aSummaryComesWithTheMoveThatClosesItsWindow() {
        events.add(T0, cap(1000), null);
        events.add(T0.plusSeconds(1), cap(800), null);
        List<GuardEvent> out = events.add(T0.plusSeconds(31), cap(900), null);
        assertEquals(List.of(GuardEvents.CPU_CAP_SUMMARY), out.stream().map(GuardEvent::kind).toList());
        assertEquals(2, out.get(0).count());
    }

    @Test
    void theFirstFailureToSetTheCapIsAnEventAtOnceAndRepeatsAreCounted() {
        List<GuardEvent> first = events.add(T0, cap(1000), "write refused");
        assertEquals(1, first.size());
        assertEquals("write refused", first.get(0).error());
        assertEquals("cpu-cap", first.get(0).kind());
        assertTrue(events.add(T0.plusMillis(100), cap(1000), "write refused").isEmpty());
        assertTrue(events.add(T0.plusMillis(200), cap(1000), "write refused").isEmpty());
        List<GuardEvent> s = events.flush(T0.plusSeconds(31));
        assertEquals(2, s.get(0).count());
        assertEquals(2.0, s.get(0).readings().get("failures"));
        assertEquals("write refused", s.get(0).error());
    }

    @Test
    void actionKindsOfTheCpuCapEventsAreOne() {
        assertEquals("cpu-cap", GuardEvents.actionKind(GuardEvents.CPU_CAPPED));
        assertEquals("cpu-cap", GuardEvents.actionKind(GuardEvents.CPU_CAP_SUMMARY));
        assertEquals("evict", GuardEvents.actionKind("evict"));
    }
}
