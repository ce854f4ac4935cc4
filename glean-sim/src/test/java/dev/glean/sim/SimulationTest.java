package dev.glean.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.sim.trace.NodeTrace;
import dev.glean.sim.trace.SyntheticTraces;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulator's invariants on small runs of the default mix, and scenarios where evictions and shortfalls must show. */
class SimulationTest {
    private static SimReport run(SimSettings s) {
        return new Simulation(s, SyntheticTraces.generate(s.nodes(), s.steps(), s.stepSeconds(), s.seed())).run();
    }

    @Test
    void fiftyNodesForADayKeepTheInvariants() {
        SimReport r = run(SimSettings.defaults(50, 1, 7));
        assertEquals(0, r.memoryShortfalls(), "the incumbents are never short of memory");
        assertTrue(r.idleCoreHours() > 0 && r.harvestedCoreHours() > 0, r.toString());
        assertEquals(r.idleCoreHours(), r.harvestedCoreHours() + r.idleUnusedCoreHours(), 1e-6 * r.idleCoreHours(),
                "harvested + idle-unused == idle");
        assertTrue(r.harvestedCoreHours() <= r.idleCoreHours() + 1e-9, "secondaries never get more than is idle");
        assertTrue(r.wastedCoreHours() <= r.harvestedCoreHours(), "waste is part of the harvest");
        assertTrue(r.tasksCompleted() > 0 && r.tasksStarted() >= r.tasksCompleted() + r.tasksRunningAtEnd(), r.toString());
        SimReport.Kind all = r.byKind().values().stream().reduce(new SimReport.Kind(0, 0, 0, 0, 0), SimReport.Kind::plus);
        assertEquals(50, all.nodes());
        assertEquals(r.idleCoreHours(), all.idleCoreHours(), 1e-6 * r.idleCoreHours(), "the kinds add up to the cluster");
        assertEquals(r.evictions(), all.evictions());
    }

    @Test
    void aSeedGivesTheSameRunAndAnotherSeedAnother() {
        SimReport a = run(SimSettings.defaults(30, 0.5, 3));
        SimReport b = run(SimSettings.defaults(30, 0.5, 3));
        SimReport c = run(SimSettings.defaults(30, 0.5, 4));
        assertEquals(withoutWall(a), withoutWall(b));
        assertNotEquals(withoutWall(a), withoutWall(c));
    }

    @Test
    void ablationsRunOnTheSameCluster() {
        SimSettings base = SimSettings.defaults(30, 0.5, 5);
        var traces = SyntheticTraces.generate(30, base.steps(), base.stepSeconds(), 5);
        SimComparison c = SimComparison.run(SimComparison.withAblations(base), traces, 2);
        assertEquals(List.of("default", "--no-risk-aware", "--estimator naive"), c.reports().stream().map(SimReport::variant).toList());
        double idle = c.reports().get(0).idleCoreHours();
        for (SimReport r : c.reports()) {
            assertEquals(idle, r.idleCoreHours(), 1e-6 * idle, "the same incumbents leave the same idle CPU");
        }
    }

    /** One 16-CPU, 64 GiB node for four hours, incumbents at 10 % CPU and {@code memory} by step. */
    private static SimReport oneNode(java.util.function.IntToDoubleFunction memory) {
        int steps = 240;
        float[] cpu = new float[steps];
        float[] mem = new float[steps];
        Arrays.fill(cpu, 0.1f);
        for (int s = 0; s < steps; s++) {
            mem[s] = (float) memory.applyAsDouble(s);
        }
        NodeTrace t = new NodeTrace("node", "test", 16, 64L << 30, cpu, mem);
        return new Simulation(SimSettings.defaults(1, steps * 60 / 86_400.0, 1).withBacklog(20), List.of(t)).run();
    }

    @Test
    void anIncumbentThatGrowsEvictsAndTheWorkIsWasted() {
        // Quiet for two hours, then the incumbents take 60 % more memory over ten minutes (6 % a step: less than the
        // 10 % reserve, so the guard can evict in time) and keep it.
        SimReport r = oneNode(s -> 0.1 + 0.6 * Math.max(0, Math.min(1, (s - 120) / 10.0)));
        assertTrue(r.evictions() > 0, "the guard evicted: " + r);
        assertTrue(r.wastedCoreHours() > 0, "evicted work is wasted: " + r);
        assertEquals(0, r.memoryShortfalls(), r.toString());
    }

    @Test
    void aJumpFasterThanTheReserveIsAShortfall() {
        // The same node, but the incumbents take 60 % more memory within one step: the lent memory was theirs.
        SimReport r = oneNode(s -> s < 120 ? 0.1 : 0.7);
        assertTrue(r.memoryShortfalls() > 0, r.toString());
        assertTrue(r.evictions() > 0, r.toString());
    }

    private static SimReport withoutWall(SimReport r) {
        return new SimReport(r.variant(), r.nodes(), r.days(), r.seed(), r.stepSeconds(), r.idleCoreHours(), r.harvestedCoreHours(),
                r.wastedCoreHours(), r.idleUnusedCoreHours(), r.evictions(), r.memoryShortfalls(), r.cpuForecastViolations(),
                r.nodeStepsLending(), r.tasksStarted(), r.tasksCompleted(), r.tasksRunningAtEnd(), 0, r.byKind());
    }
}
