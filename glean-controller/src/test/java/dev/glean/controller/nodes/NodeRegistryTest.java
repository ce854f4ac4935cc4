package dev.glean.controller.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.schedule.CapacityEstimator;
import dev.glean.core.schedule.CapacitySettings;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NodeRegistryTest {
    private static final Instant T = Instant.parse("2026-11-27T10:00:00Z");
    private final NodeRegistry registry = new NodeRegistry(new CapacityEstimator(CapacitySettings.DEFAULTS));

    @Test
    void evictionsCountAgainstANodeForADay() {
        registry.evicted("n1", T);
        registry.evicted("n1", T.plus(Duration.ofHours(2)));
        assertEquals(2, registry.recentEvictions("n1", T.plus(Duration.ofHours(3))));
        assertEquals(1, registry.recentEvictions("n1", T.plus(Duration.ofHours(25))));
        assertEquals(0, registry.recentEvictions("n1", T.plus(Duration.ofHours(27))));
        assertEquals(0, registry.recentEvictions("n2", T));
    }

    @Test
    void aStopIsRememberedUntilTheAttemptEnded() {
        registry.stop("n1", "g-1-0-1", "job 2 needs the room", T);
        registry.stop("n1", "g-1-0-1", "a later reason does not replace the first", T);
        assertEquals("job 2 needs the room", registry.stopping("n1", "g-1-0-1"));
        assertFalse(registry.isStopping("n2", "g-1-0-1"));
        registry.stopped("n1", "g-1-0-1");
        assertNull(registry.stopping("n1", "g-1-0-1"));
        assertTrue(registry.all().containsKey("n1"));
    }

    /** An agent that cut a held report short sends again at once; the older report, read last, must not win. */
    @Test
    void aReportOvertakenByANewerOneOfTheSameAgentDoesNotWin() {
        var running = new dev.glean.core.protocol.ContainerReport("g-1-0-1", dev.glean.core.runtime.ContainerPhase.RUNNING, null, T,
                null, 0, null);
        var exited = new dev.glean.core.protocol.ContainerReport("g-1-0-1", dev.glean.core.runtime.ContainerPhase.EXITED, 0, T,
                T.plusMillis(50), 0, null);
        registry.reported("n1", "i1", T.plusMillis(100), null, java.util.List.of(exited), T.plusMillis(101));
        registry.reported("n1", "i1", T.plusMillis(40), null, java.util.List.of(running), T.plusMillis(102));
        assertEquals(java.util.List.of(exited), registry.get("n1").containers());
        assertEquals(T.plusMillis(102), registry.get("n1").lastReportAt(), "still a sign of life");
        // A restarted agent (another instance) starts afresh, whatever its clock says.
        registry.reported("n1", "i2", T.plusMillis(10), null, java.util.List.of(), T.plusMillis(103));
        assertEquals(java.util.List.of(), registry.get("n1").containers());
        registry.reported("n1", "i2", T.plusMillis(200), null, java.util.List.of(running), T.plusMillis(104));
        assertEquals(java.util.List.of(running), registry.get("n1").containers());
    }

    /** The newest recorded reading is what the node view shows; an older one (reports may repeat) changes nothing. */
    @Test
    void theNodeViewShowsTheNewestReading() {
        assertNull(registry.get("n1") == null ? null : registry.get("n1").usage());
        var first = dev.glean.core.testing.Samples.node(T, 4, 16, 1500, 4096);
        var second = dev.glean.core.testing.Samples.node(T.plusSeconds(1), 4, 16, 2500, 6144);
        registry.reported("n1", "i1", T, first, java.util.List.of(), T);
        registry.reported("n1", "i1", T.plusSeconds(1), second, java.util.List.of(), T.plusSeconds(1));
        registry.reported("n1", "i1", T.plusSeconds(2), first, java.util.List.of(), T.plusSeconds(2));
        var u = registry.get("n1").usage();
        assertEquals(second.at(), u.at());
        assertEquals(second.incumbentCpu(), u.incumbentCpu());
        assertEquals(second.incumbentMemory(), u.incumbentMemory());
        assertEquals(second.memoryAvailable(), u.memoryAvailable());
        assertEquals(second.hostBusySeconds(), u.hostBusySeconds());
        assertEquals(second.memoryPressure().someAvg10(), u.memorySomeAvg10());
        assertEquals(second.containers().size(), u.containers());
        assertEquals(T.plusSeconds(2), registry.get("n1").lastReportAt(), "a repeated reading still renews the node");
    }

    /** Times kept as epoch nanoseconds: exact to the nanosecond, and an agent clock far off saturates, never throws. */
    @Test
    void reportTimesKeepTheirNanosecondsAndSaturate() {
        Instant t = Instant.parse("2026-11-27T10:00:00.123456789Z");
        registry.reported("n1", "i1", Instant.MAX, null, java.util.List.of(), t);
        assertEquals(t, registry.get("n1").lastReportAt());
        registry.reported("n1", "i1", Instant.MIN, null, java.util.List.of(), t.plusNanos(1));
        assertEquals(t.plusNanos(1), registry.get("n1").lastReportAt());
        assertEquals(Instant.EPOCH.minusNanos(1), NodeRegistry.instant(NodeRegistry.nanos(Instant.EPOCH.minusNanos(1))));
    }
}
