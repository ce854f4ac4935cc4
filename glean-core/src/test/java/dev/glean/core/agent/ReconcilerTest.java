package dev.glean.core.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.protocol.Launch;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.runtime.ContainerInfo;
import dev.glean.core.runtime.ContainerPhase;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
    private static Launch launch(String id) {
        return new Launch(id, "1", 0, 1, List.of("true"), Map.of(), new Millicores(100), Bytes.ofMiB(64), "host", List.of(), null);
    }

    private static ContainerInfo c(String id, ContainerPhase p) {
        return new ContainerInfo(id, p, p == ContainerPhase.EXITED ? 0 : null, null, null, 1, null, Map.of());
    }

    @Test
    void startsWhatIsDesiredAndMissing() {
        assertEquals(List.of(new AgentAction.Start(launch("a"))),
                Reconciler.plan(List.of(launch("a")), Set.of(), List.of(), Set.of(), true));
    }

    @Test
    void neverRestartsAnEndedAttempt() {
        assertTrue(Reconciler.plan(List.of(launch("a")), Set.of(), List.of(c("a", ContainerPhase.EXITED)), Set.of(), true).isEmpty());
    }

    @Test
    void stopsWhatIsNoLongerDesired() {
        assertEquals(List.of(new AgentAction.Stop("b", "no longer desired")),
                Reconciler.plan(List.of(), Set.of(), List.of(c("b", ContainerPhase.RUNNING)), Set.of(), true));
    }

    @Test
    void withoutALeaseStopsEverythingAndStartsNothing() {
        var actions = Reconciler.plan(List.of(launch("a"), launch("b")), Set.of(), List.of(c("b", ContainerPhase.RUNNING)), Set.of(), false);
        assertEquals(List.of(new AgentAction.Stop("b", "lease expired")), actions);
    }

    @Test
    void removesEndedContainersOnlyOnceAcknowledged() {
        assertTrue(Reconciler.plan(List.of(), Set.of(), List.of(c("a", ContainerPhase.EXITED)), Set.of(), true).isEmpty());
        assertEquals(List.of(new AgentAction.Remove("a")),
                Reconciler.plan(List.of(), Set.of("a"), List.of(c("a", ContainerPhase.EXITED)), Set.of(), true));
    }

    @Test
    void stopsContainersLeftCreatedButNeverStarted() {
        assertEquals(List.of(new AgentAction.Stop("a", Reconciler.NEVER_STARTED)),
                Reconciler.plan(List.of(launch("a")), Set.of(), List.of(c("a", ContainerPhase.CREATED)), Set.of(), true));
        assertTrue(Reconciler.plan(List.of(launch("a")), Set.of(), List.of(c("a", ContainerPhase.CREATED)), Set.of("a"), true).isEmpty());
    }

    @Test
    void leavesContainersWithAnActionInFlightAlone() {
        assertTrue(Reconciler.plan(List.of(launch("a")), Set.of(), List.of(c("b", ContainerPhase.RUNNING)), Set.of("a", "b"), true).isEmpty());
    }
}
