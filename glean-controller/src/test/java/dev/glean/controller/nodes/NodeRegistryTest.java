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
}
