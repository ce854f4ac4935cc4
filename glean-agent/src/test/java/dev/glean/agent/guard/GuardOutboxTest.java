package dev.glean.agent.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.guard.CpuCap;
import dev.glean.core.guard.GuardAction;
import dev.glean.core.protocol.GuardEvent;
import dev.glean.core.protocol.GuardReport;
import dev.glean.core.resources.Millicores;
import dev.glean.core.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GuardOutboxTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));
    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logged, true, StandardCharsets.UTF_8);

    private void act(GuardOutbox box, GuardAction a) {
        box.onEvent(new NodeGuard.Event(clock.instant(), a, null));
    }

    private static GuardAction evict(String id) {
        return new GuardAction.Evict(id, "memory short: evict " + id, Map.of("availableMiB", 100.0));
    }

    @Test
    void eventsAreNumberedAndResentUntilAcknowledged() {
        GuardOutbox box = new GuardOutbox(100, Duration.ofSeconds(30), clock, log);
        act(box, evict("g-1-0-1"));
        act(box, evict("g-2-0-1"));
        assertEquals(List.of(1L, 2L), box.report().events().stream().map(GuardEvent::seq).toList());
        assertEquals(List.of(1L, 2L), box.report().events().stream().map(GuardEvent::seq).toList(), "not acknowledged: sent again");
        box.acknowledge(1);
        act(box, evict("g-3-0-1"));
        assertEquals(List.of(2L, 3L), box.report().events().stream().map(GuardEvent::seq).toList());
        box.acknowledge(3);
        assertTrue(box.report().events().isEmpty());
        box.acknowledge(1); // an old answer arriving late changes nothing
        assertEquals(0, box.pending());
    }

    @Test
    void admissionFollowsTheGuardWithItsReason() {
        GuardOutbox box = new GuardOutbox(100, Duration.ofSeconds(30), clock, log);
        assertTrue(box.report().admitting());
        act(box, new GuardAction.StopAdmitting("memory is short: take no new secondaries", Map.of()));
        GuardReport r = box.report();
        assertFalse(r.admitting());
        assertEquals("memory is short: take no new secondaries", r.admissionReason());
        act(box, new GuardAction.ResumeAdmitting("clear again", Map.of()));
        assertTrue(box.report().admitting());
        assertNull(box.report().admissionReason());
    }

    @Test
    void aFullOutboxDropsTheOldestAndSaysSo() {
        GuardOutbox box = new GuardOutbox(3, Duration.ofSeconds(30), clock, log);
        for (int i = 1; i <= 5; i++) {
            act(box, evict("g-" + i + "-0-1"));
        }
        assertEquals(List.of(3L, 4L, 5L), box.report().events().stream().map(GuardEvent::seq).toList());
        assertEquals(2, box.dropped());
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("dropped"), logged.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aReportCarriesAtMostItsShareAndADueCpuSummary() {
        GuardOutbox box = new GuardOutbox(1000, Duration.ofSeconds(30), clock, log);
        for (int i = 0; i < GuardOutbox.MAX_PER_REPORT + 5; i++) {
            act(box, evict("g-" + i + "-0-1"));
        }
        assertEquals(GuardOutbox.MAX_PER_REPORT, box.report().events().size());
        box.acknowledge(GuardOutbox.MAX_PER_REPORT + 5);
        act(box, new GuardAction.SetCpuQuota(new CpuCap.Limit(new Millicores(900)), "wait high", Map.of()));
        act(box, new GuardAction.SetCpuQuota(new CpuCap.Limit(new Millicores(600)), "wait high", Map.of()));
        assertEquals(List.of("cpu-capped"), box.report().events().stream().map(GuardEvent::kind).toList());
        clock.advance(Duration.ofSeconds(31));
        List<GuardEvent> later = box.report().events();
        assertEquals(List.of("cpu-capped", "cpu-cap-summary"), later.stream().map(GuardEvent::kind).toList(),
                "the summary is made when a report is due, without waiting for another move");
        assertEquals(1, later.get(1).count());
    }
}
