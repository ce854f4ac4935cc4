package dev.glean.core.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.resources.Resources;
import dev.glean.core.testing.Samples;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private static final Instant T = Instant.parse("2026-11-27T10:00:00Z");
    private final CapacityEstimator est = new CapacityEstimator(CapacitySettings.DEFAULTS);
    private final Scheduler scheduler = new Scheduler(est);

    private NodeView node(String name, int cpus, long memGiB, Map<String, String> labels) {
        return new NodeView(name, labels, true, est.estimate(List.of(Samples.node(T, cpus, memGiB, 0, 0)), T), Resources.ZERO);
    }

    private static PendingTask task(String job, int idx, long milli, long mib, int prio, long order) {
        return new PendingTask(job, idx, Resources.of(milli, mib << 20), prio, order, Map.of());
    }

    @Test
    void higherPriorityFirstThenOlder() {
        NodeView n = node("a", 2, 8, Map.of()); // lends 1.9 CPUs
        List<Placement> p = scheduler.schedule(List.of(n), List.of(task("old", 0, 1000, 64, 0, 1), task("new", 0, 1000, 64, 0, 2),
                task("urgent", 0, 1000, 64, 10, 3)), 10);
        assertEquals(List.of("urgent"), p.stream().map(Placement::jobId).toList());
    }

    @Test
    void bigTaskDoesNotBlockSmallerOnes() {
        NodeView n = node("a", 2, 8, Map.of());
        List<Placement> p = scheduler.schedule(List.of(n), List.of(task("big", 0, 4000, 64, 0, 1), task("small", 0, 500, 64, 0, 2)), 10);
        assertEquals(List.of("small"), p.stream().map(Placement::jobId).toList());
    }

    @Test
    void constraintsPickMatchingNodes() {
        NodeView a = node("a", 4, 8, Map.of("zone", "x"));
        NodeView b = node("b", 4, 8, Map.of("zone", "y"));
        PendingTask t = new PendingTask("j", 0, Resources.of(100, 1 << 20), 0, 1, Map.of("zone", "y"));
        assertEquals("b", scheduler.schedule(List.of(a, b), List.of(t), 10).get(0).node());
    }

    @Test
    void unschedulableAndStaleNodesGetNothing() {
        NodeView cordoned = new NodeView("c", Map.of(), false, node("c", 4, 8, Map.of()).estimate(), Resources.ZERO);
        NodeView stale = new NodeView("s", Map.of(), true, CapacityEstimate.nothing(Resources.of(4000, 8L << 30), "stale"), Resources.ZERO);
        assertTrue(scheduler.schedule(List.of(cordoned, stale), List.of(task("j", 0, 100, 1, 0, 1)), 10).isEmpty());
    }

    /** Property: whatever the queue, no node is promised more than it admits. */
    @Property(tries = 200)
    void neverOvercommitsANode(@ForAll @IntRange(min = 1, max = 6) int nodes, @ForAll @IntRange(min = 0, max = 60) int tasks,
            @ForAll @IntRange(min = 1, max = 3000) int cpuEach, @ForAll @IntRange(min = 1, max = 4096) int mibEach) {
        List<NodeView> views = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            views.add(node("n" + i, 1 + i % 4, 1 + i % 8, Map.of()));
        }
        List<PendingTask> q = new ArrayList<>();
        for (int i = 0; i < tasks; i++) {
            q.add(task("j" + i, 0, cpuEach + (i * 37) % 500, mibEach + (i * 101) % 300, i % 3, i));
        }
        Map<String, Resources> used = new HashMap<>();
        Map<String, PendingTask> byJob = new HashMap<>();
        q.forEach(t -> byJob.put(t.jobId(), t));
        for (Placement p : scheduler.schedule(views, q, 1000)) {
            used.merge(p.node(), byJob.get(p.jobId()).request(), Resources::plus);
        }
        for (NodeView v : views) {
            Resources u = used.getOrDefault(v.name(), Resources.ZERO);
            assertTrue(u.cpu().compareTo(v.estimate().lendableCpu()) <= 0, "cpu over-committed on " + v.name());
            assertTrue(u.memory().compareTo(v.estimate().lendableMemory()) <= 0, "memory over-committed on " + v.name());
        }
    }
}
