package dev.glean.core.schedule;

import static dev.glean.core.schedule.Cluster.T;
import static dev.glean.core.schedule.Cluster.node;
import static dev.glean.core.schedule.Cluster.running;
import static dev.glean.core.schedule.Cluster.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.resources.Resources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    // The room arithmetic here counts lendable CPU once: no over-commit.
    private final CapacityEstimator est = new CapacityEstimator(CapacitySettings.DEFAULTS.withCpuOvercommit(1.0));
    private final Scheduler spread = new Scheduler(est);
    private final Scheduler pack = new Scheduler(est, SchedulerSettings.DEFAULTS.withPlacing(SchedulerSettings.Placing.BIN_PACK));

    private static List<String> jobs(ScheduleResult r) {
        return r.placements().stream().map(Placement::jobId).toList();
    }

    private ScheduleResult run(Scheduler s, List<NodeView> nodes, List<PendingTask> q) {
        return s.schedule(nodes, q, List.of(), T, 1000);
    }

    @Test
    void higherPriorityFirstThenOlder() {
        NodeView n = node(est, "a", 2, 8); // lends 1.9 CPUs
        var r = run(spread, List.of(n), List.of(task("old", 0, 1000, 64, 0, 1), task("new", 0, 1000, 64, 0, 2),
                task("urgent", 0, 1000, 64, 10, 3)));
        assertEquals(List.of("urgent"), jobs(r));
        assertEquals(3, r.outcomes().size());
        assertEquals(Waiting.Reason.NO_FIT, r.waiting().get(0).reason());
    }

    @Test
    void bigTaskDoesNotBlockSmallerOnes() {
        NodeView n = node(est, "a", 2, 8);
        var r = run(spread, List.of(n), List.of(task("big", 0, 4000, 64, 0, 1), task("small", 0, 500, 64, 0, 2)));
        assertEquals(List.of("small"), jobs(r));
    }

    @Test
    void constraintsPickMatchingNodes() {
        NodeView a = node(est, "a", 4, 8, Map.of("zone", "x"), 0, Resources.ZERO, List.of());
        NodeView b = node(est, "b", 4, 8, Map.of("zone", "y"), 0, Resources.ZERO, List.of());
        PendingTask t = Cluster.task("j", 100, 1, Map.of("zone", "y"), null, T);
        assertEquals("b", run(spread, List.of(a, b), List.of(t)).placements().get(0).node());
        PendingTask none = Cluster.task("k", 100, 1, Map.of("zone", "z"), null, T);
        assertEquals(Waiting.Reason.NO_FIT, run(spread, List.of(a, b), List.of(none)).waiting().get(0).reason());
    }

    @Test
    void unschedulableStaleAndWithheldNodesGetNothing() {
        NodeView cordoned = new NodeView("c", Map.of(), false, Cluster.idle(est, 4, 8), Resources.ZERO);
        NodeView stale = new NodeView("s", Map.of(), true, CapacityEstimate.nothing(Resources.of(4000, 8L << 30), "stale"), Resources.ZERO);
        var h = est.newHistory();
        h.record(dev.glean.core.testing.Samples.node(T, 4, 8, 0, 0));
        NodeView withheld = new NodeView("w", Map.of(), true, est.estimate(h, T, LendingPolicy.cordon(), T), Resources.ZERO);
        assertTrue(run(spread, List.of(cordoned, stale, withheld), List.of(task("j", 0, 100, 1, 0, 1))).placements().isEmpty());
    }

    @Test
    void binPackFillsTheFullestNodeSpreadTheEmptiest() {
        NodeView busy = node(est, "busy", 4, 16, Map.of(), 0, Resources.of(2000, 8L << 30), List.of());
        NodeView empty = node(est, "empty", 4, 16);
        List<PendingTask> q = List.of(task("j", 0, 500, 512, 0, 1));
        assertEquals("busy", run(pack, List.of(busy, empty), q).placements().get(0).node());
        assertEquals("empty", run(spread, List.of(busy, empty), q).placements().get(0).node());
    }

    @Test
    void tenantsTakeTurnsByWeightedDominantShare() {
        // 10 nodes of 4 CPUs / 16G lend 39 CPUs and 144G. Tenant cpu asks 1 CPU + 1G (dominant: CPU, 1/39 a task),
        // tenant mem asks 0.1 CPU + 4G (dominant: memory, 1/36 a task). Each has far more than fits.
        List<NodeView> nodes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            nodes.add(node(est, "n" + i, 4, 16));
        }
        List<PendingTask> q = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            q.add(task("c" + i, 0, 1000, 1024, 0, i, "cpu"));
            q.add(task("m" + i, 0, 100, 4096, 0, i, "mem"));
        }
        // 40 placements: well before the cluster is full, where backfill would let the tenant that still fits run ahead.
        Map<String, double[]> shares = shares(spread.schedule(nodes, q, List.of(), T, 40), q, nodes);
        assertEquals(shares.get("cpu")[0], shares.get("mem")[1], 0.03, "equal dominant shares within a task: " + show(shares));

        // Weight 2 for cpu: its dominant share comes out about twice mem's.
        Scheduler weighted = new Scheduler(est, SchedulerSettings.DEFAULTS.withTenants(Map.of("cpu", 2.0), Map.of()));
        Map<String, double[]> w = shares(weighted.schedule(nodes, q, List.of(), T, 40), q, nodes);
        assertEquals(2.0, w.get("cpu")[0] / w.get("mem")[1], 0.35, show(w));
    }

    @Test
    void quotasCapATenant() {
        Scheduler quota = new Scheduler(est, SchedulerSettings.DEFAULTS.withTenants(Map.of(), Map.of("t", Resources.of(2000, 64L << 30))));
        List<PendingTask> q = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            q.add(task("j" + i, 0, 1000, 64, 0, i, "t"));
        }
        var r = run(quota, List.of(node(est, "a", 16, 64)), q);
        assertEquals(2, r.placements().size());
        assertTrue(r.waiting().stream().allMatch(w -> w.reason() == Waiting.Reason.QUOTA));
    }

    @Test
    void preemptsTheLowestPriorityYoungestAndReservesTheNode() {
        Scheduler pre = new Scheduler(est, SchedulerSettings.DEFAULTS.withPreemption(true));
        // 4 CPUs lend 3.9; three low tasks of 1.2 CPUs fill it.
        List<RunningTask> low = List.of(running("old", 1200, 256, 0, "a", T.minusSeconds(600)),
                running("young", 1200, 256, 0, "a", T.minusSeconds(60)), running("mid", 1200, 256, 5, "a", T.minusSeconds(30)));
        NodeView n = node(est, "n", 4, 16, Map.of(), 0, Resources.of(3600, 768L << 20), low);
        PendingTask urgent = task("urgent", 0, 1000, 256, 10, 1);
        var r = pre.schedule(List.of(n), List.of(urgent), List.of(), T, 10);
        Preemption p = assertInstanceOf(Preemption.class, r.outcomes().get(0));
        assertEquals(List.of("young"), p.victims().stream().map(RunningTask::jobId).toList());
        assertEquals(List.of(new Reservation("urgent", 0, "n", T, Reservation.Kind.PREEMPTION)), r.reservations());

        // Next cycle the victim is still stopping: the task waits on its node, nobody else gets it.
        PendingTask other = task("other", 0, 100, 64, 20, 2);
        var r2 = pre.schedule(List.of(n), List.of(urgent, other), r.reservations(), T.plusSeconds(1), 10);
        assertEquals(new Waiting("urgent", 0, Waiting.Reason.RESERVED, "n"), r2.outcomes().get(0));
        assertTrue(r2.placements().isEmpty());
        // Once it is gone the task goes there and the reservation ends.
        NodeView freed = node(est, "n", 4, 16, Map.of(), 0, Resources.of(2400, 512L << 20), List.of(low.get(0), low.get(2)));
        var r3 = pre.schedule(List.of(freed), List.of(urgent), r2.reservations(), T.plusSeconds(2), 10);
        assertEquals(List.of(new Placement("urgent", 0, "n")), r3.placements());
        assertTrue(r3.reservations().isEmpty());

        // Without preemption (the default) the task just waits; equal priorities never preempt.
        assertInstanceOf(Waiting.class, spread.schedule(List.of(n), List.of(urgent), List.of(), T, 10).outcomes().get(0));
        assertInstanceOf(Waiting.class, pre.schedule(List.of(n), List.of(task("peer", 0, 1000, 256, 0, 1)), List.of(), T, 10).outcomes().get(0));
    }

    @Test
    void aLongWaiterGetsADrainingNodeThatSmallTasksLeaveAlone() {
        Scheduler s = new Scheduler(est, SchedulerSettings.DEFAULTS.withReservations(Duration.ofMinutes(5), 4));
        NodeView a = node(est, "a", 4, 16, Map.of(), 0, Resources.of(3000, 1L << 30), List.of());
        NodeView b = node(est, "b", 4, 16, Map.of(), 0, Resources.of(3500, 1L << 30), List.of());
        PendingTask big = Cluster.task("big", 3000, 1024, Map.of(), null, T.minus(Duration.ofMinutes(10)));
        PendingTask young = Cluster.task("young", 3000, 1024, Map.of(), null, T.minusSeconds(10));
        var r = s.schedule(List.of(a, b), List.of(big, young), List.of(), T, 10);
        assertEquals(List.of(new Reservation("big", 0, "a", T, Reservation.Kind.DRAIN)), r.reservations(), "the node nearest to fitting");
        assertEquals(new Waiting("big", 0, Waiting.Reason.RESERVED, "a"), r.outcomes().get(0));
        assertEquals(new Waiting("young", 0, Waiting.Reason.NO_FIT, null), r.outcomes().get(1), "not waited long enough yet");

        // Small tasks that would fit on a go to b (or wait), never to the reserved node.
        List<PendingTask> smalls = new ArrayList<>(List.of(big));
        for (int i = 0; i < 5; i++) {
            smalls.add(task("s" + i, 0, 200, 64, 100, i));
        }
        var r2 = s.schedule(List.of(a, b), smalls, r.reservations(), T.plusSeconds(1), 10);
        assertTrue(r2.placements().stream().allMatch(p -> p.node().equals("b")), r2.placements().toString());
        assertEquals(2, r2.placements().size());

        // a drains: big goes there.
        NodeView drained = node(est, "a", 4, 16, Map.of(), 0, Resources.of(500, 1L << 30), List.of());
        var r3 = s.schedule(List.of(drained, b), List.of(big), r2.reservations(), T.plusSeconds(60), 10);
        assertEquals(List.of(new Placement("big", 0, "a")), r3.placements());
        // A reservation whose task is gone lapses.
        assertTrue(s.schedule(List.of(a, b), List.of(young), r.reservations(), T, 10).reservations().isEmpty());
    }

    @Test
    void longAndLargeTasksPreferStableNodesShortOnesRiskyNodes() {
        NodeView stable = node(est, "stable", 8, 32, Map.of(), 0.1, Resources.of(4000, 16L << 30), List.of());
        NodeView risky = node(est, "risky", 8, 32, Map.of(), 0.8, Resources.ZERO, List.of());
        // Spread alone would pick the empty risky node.
        PendingTask longJob = Cluster.task("long", 1000, 1024, Map.of(), Duration.ofHours(6), T);
        PendingTask large = Cluster.task("large", 1000, 9 * 1024, Map.of(), null, T);
        PendingTask shortJob = Cluster.task("short", 1000, 1024, Map.of(), Duration.ofMinutes(5), T);
        PendingTask unknown = Cluster.task("unknown", 1000, 1024, Map.of(), null, T);
        assertEquals("stable", run(spread, List.of(stable, risky), List.of(longJob)).placements().get(0).node());
        assertEquals("stable", run(spread, List.of(stable, risky), List.of(large)).placements().get(0).node());
        assertEquals("risky", run(pack, List.of(stable, risky), List.of(shortJob)).placements().get(0).node(), "even when bin-packing");
        assertEquals("risky", run(spread, List.of(stable, risky), List.of(unknown)).placements().get(0).node(), "unknown: by score");
        // A long task goes to a risky node when no stable one fits.
        NodeView fullStable = node(est, "stable", 8, 32, Map.of(), 0.1, Resources.of(7900, 16L << 30), List.of());
        assertEquals("risky", run(spread, List.of(fullStable, risky), List.of(longJob)).placements().get(0).node());
    }

    @Test
    void decisionsLookAtAFewNodesNotAll() {
        List<NodeView> nodes = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            nodes.add(node(est, "n" + i, 4 + i % 4 * 4, 16 + i % 3 * 16, Map.of("zone", "z" + i % 4), i % 10 / 10.0, Resources.ZERO,
                    List.of()));
        }
        List<PendingTask> q = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            Map<String, String> c = i % 3 == 0 ? Map.of("zone", "z" + i % 4) : Map.of();
            q.add(new PendingTask("j" + i, 0, Resources.of(250L * (1 + i % 4), (256L << 20) * (1 + i % 8)), i % 3, i, c, "t" + i % 5, T,
                    i % 2 == 0 ? Duration.ofHours(2) : null));
        }
        for (Scheduler s : List.of(spread, pack)) {
            var r = s.schedule(nodes, q, List.of(), T, 100_000);
            assertTrue(r.placements().size() > 10_000, "placed " + r.placements().size());
            // Measured: about 3.5 a decision, at most about 60 (a request's own row and column, checked one by one).
            double perDecision = r.stats().examined() / (double) r.stats().decisions();
            assertTrue(perDecision < 10, "examined per decision: " + perDecision);
            assertTrue(r.stats().maxExamined() < 200, "most examined for one decision: " + r.stats().maxExamined());
        }
    }

    @Test
    void stopsAtThePlacementLimit() {
        List<PendingTask> q = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            q.add(task("j" + i, 0, 10, 1, 0, i));
        }
        var r = spread.schedule(List.of(node(est, "a", 4, 16)), q, List.of(), T, 3);
        assertEquals(3, r.placements().size());
        assertEquals(3, r.outcomes().size());
    }

    /** Per tenant: {cpu share, memory share} of the cluster's lendable totals after the result. */
    private Map<String, double[]> shares(ScheduleResult r, List<PendingTask> q, List<NodeView> nodes) {
        Map<String, PendingTask> byJob = new HashMap<>();
        q.forEach(t -> byJob.put(t.jobId(), t));
        double cpu = nodes.stream().mapToLong(n -> est.cpuLimit(n.estimate()).value()).sum();
        double mem = nodes.stream().mapToLong(n -> n.estimate().lendableMemory().value()).sum();
        Map<String, double[]> out = new HashMap<>();
        for (Placement p : r.placements()) {
            PendingTask t = byJob.get(p.jobId());
            double[] s = out.computeIfAbsent(t.tenant(), k -> new double[2]);
            s[0] += t.request().cpu().value() / cpu;
            s[1] += t.request().memory().value() / mem;
        }
        return out;
    }

    private static String show(Map<String, double[]> s) {
        StringBuilder b = new StringBuilder();
        s.forEach((k, v) -> b.append(k).append(String.format(" cpu %.3f mem %.3f; ", v[0], v[1])));
        return b.toString();
    }
}
