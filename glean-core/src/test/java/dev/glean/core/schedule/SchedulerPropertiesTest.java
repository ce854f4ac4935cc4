package dev.glean.core.schedule;

import static dev.glean.core.schedule.Cluster.T;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.resources.Resources;
import dev.glean.core.testing.Samples;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Invariants of the scheduler over random clusters and queues (each try is one seed; jqwik reports it on failure). */
class SchedulerPropertiesTest {

    private record World(CapacityEstimator est, List<NodeView> nodes) {}

    /** Random nodes with random incumbents, some labels, risks and work already promised (sometimes too much). */
    private static World world(Random rnd, int n) {
        double overcommit = 1 + rnd.nextInt(4) * 0.5;
        CapacityEstimator est = new CapacityEstimator(new CapacitySettings(overcommit, new Millicores(rnd.nextInt(300)), 0.05 + rnd.nextDouble() * 0.2,
                Bytes.ofMiB(128), Duration.ofSeconds(10), Duration.ofMinutes(30)));
        List<NodeView> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int cpus = 1 + rnd.nextInt(16);
            int gib = 1 + rnd.nextInt(64);
            var h = est.newHistory();
            for (int s = 0; s < 20; s++) {
                h.record(Samples.node(T.minusSeconds(20 - s), cpus, gib, rnd.nextInt(cpus * 1000), rnd.nextInt(gib * 1024)));
            }
            LendingPolicy policy = rnd.nextInt(4) == 0 ? LendingPolicy.fractions(rnd.nextDouble(), rnd.nextDouble()) : LendingPolicy.OPEN;
            CapacityEstimate e = est.estimate(h, T, policy, T);
            long lendCpu = est.cpuLimit(e).value();
            long lendMem = e.lendableMemory().value();
            // Usually within limits, sometimes beyond (the incumbents grew since those tasks were placed).
            Resources allocated = Resources.of((long) (lendCpu * rnd.nextDouble() * 1.2), (long) (lendMem * rnd.nextDouble() * 1.2));
            nodes.add(new NodeView("n" + i, Map.of("zone", "z" + rnd.nextInt(3)), rnd.nextInt(10) != 0, e, allocated, rnd.nextDouble(),
                    List.of()));
        }
        return new World(est, nodes);
    }

    private static List<PendingTask> queue(Random rnd, int n, Instant now) {
        List<PendingTask> q = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, String> c = rnd.nextInt(4) == 0 ? Map.of("zone", "z" + rnd.nextInt(3)) : Map.of();
            q.add(new PendingTask("j" + i, rnd.nextInt(3), Resources.of(1 + rnd.nextInt(4000), 1 + rnd.nextLong(8L << 30)), rnd.nextInt(3) - 1,
                    i, c, "t" + rnd.nextInt(3), now.minusSeconds(rnd.nextInt(1200)), rnd.nextBoolean() ? null : Duration.ofMinutes(rnd.nextInt(300))));
        }
        return q;
    }

    private static SchedulerSettings settings(Random rnd) {
        return SchedulerSettings.DEFAULTS.withPlacing(rnd.nextBoolean() ? SchedulerSettings.Placing.BIN_PACK : SchedulerSettings.Placing.SPREAD)
                .withPreemption(rnd.nextBoolean()).withReservations(Duration.ofMinutes(rnd.nextInt(10)), rnd.nextInt(4))
                .withTenants(Map.of("t0", 2.0), rnd.nextBoolean() ? Map.of() : Map.of("t1", Resources.of(5000, 8L << 30)));
    }

    /**
     * Whatever the cluster and the queue, over several cycles (reservations carried over), no node is promised more
     * than it admits: CPU within lendable x over-commit, memory within lendable memory, which never exceeds the
     * memory the incumbents are forecast to leave free. A node already over its limits gets nothing new.
     */
    @Property(tries = 300)
    void neverPlacesBeyondANodesLendableCapacity(@ForAll long seed, @ForAll @IntRange(min = 1, max = 12) int nodeCount,
            @ForAll @IntRange(min = 0, max = 150) int tasks) {
        Random rnd = new Random(seed);
        World w = world(rnd, nodeCount);
        Scheduler s = new Scheduler(w.est(), settings(rnd));
        List<NodeView> nodes = w.nodes();
        List<PendingTask> q = queue(rnd, tasks, T);
        List<Reservation> held = List.of();
        for (int cycle = 0; cycle < 3; cycle++) {
            Instant now = T.plusSeconds(60L * cycle);
            ScheduleResult r = s.schedule(nodes, q, held, now, 1 + rnd.nextInt(200));
            Map<TaskKey, PendingTask> byKey = new HashMap<>();
            q.forEach(t -> byKey.put(t.key(), t));
            Map<String, Resources> added = new HashMap<>();
            for (Placement p : r.placements()) {
                added.merge(p.node(), byKey.get(p.key()).request(), Resources::plus);
            }
            List<NodeView> next = new ArrayList<>();
            for (NodeView n : nodes) {
                Resources a = added.get(n.name());
                if (a != null) {
                    assertTrue(n.schedulable() && !n.estimate().stale(), "placed on an unusable node " + n.name());
                    Resources total = n.allocated().plus(a);
                    assertTrue(total.cpu().compareTo(w.est().cpuLimit(n.estimate())) <= 0, "cpu over-committed on " + n + " + " + a);
                    assertTrue(total.memory().compareTo(n.estimate().lendableMemory()) <= 0, "memory over-committed on " + n + " + " + a);
                    assertTrue(total.memory().compareTo(n.estimate().forecastFreeMemory()) <= 0, "beyond forecast free memory on " + n.name());
                    n = new NodeView(n.name(), n.labels(), n.schedulable(), n.estimate(), total, n.risk(), n.running());
                }
                next.add(n);
            }
            nodes = next;
            q = q.stream().filter(t -> r.placements().stream().noneMatch(p -> p.key().equals(t.key()))).toList();
            held = r.reservations();
        }
    }

    /**
     * Fair share converges: tenants of random weights and shapes (CPU-heavy or memory-heavy), whose backlogs would
     * each fill the cluster, start from a skewed cluster (one tenant alone for ten cycles) and are placed and
     * completed at random; their weighted dominant shares end up within a few tasks of each other, plus a few tasks
     * per node. That allowance is real, not slack: backfill is work-conserving, so when a memory-heavy tenant's task
     * does not fit into what is left on a node, a tenant of small tasks gets that leftover, and turnover renews it
     * every cycle (measured: up to ~4 tasks per node with mixed shapes, under 1 task per node in the median).
     */
    @Property(tries = 30)
    void fairSharesConvergeForCompetingTenants(@ForAll long seed, @ForAll @IntRange(min = 2, max = 4) int tenants,
            @ForAll @IntRange(min = 1, max = 8) int nodeCount, @ForAll boolean binPack) {
        Random rnd = new Random(seed);
        // The room arithmetic here counts lendable CPU once: no over-commit.
        CapacityEstimator est = new CapacityEstimator(CapacitySettings.DEFAULTS.withCpuOvercommit(1.0));
        Map<String, Double> weights = new HashMap<>();
        Map<String, Resources> shape = new HashMap<>();
        for (int i = 0; i < tenants; i++) {
            weights.put("t" + i, 1.0 + rnd.nextInt(3));
            shape.put("t" + i, rnd.nextBoolean() ? Resources.of(250 + rnd.nextInt(750), 256L << 20) : Resources.of(100, (512L + rnd.nextInt(1536)) << 20));
        }
        Scheduler s = new Scheduler(est, SchedulerSettings.DEFAULTS.withTenants(weights, Map.of()).withReservations(Duration.ofMinutes(3), 2)
                .withPlacing(binPack ? SchedulerSettings.Placing.BIN_PACK : SchedulerSettings.Placing.SPREAD));
        CapacityEstimate e = Cluster.idle(est, 16, 64);
        double totalCpu = nodeCount * (double) est.cpuLimit(e).value();
        double totalMem = nodeCount * (double) e.lendableMemory().value();
        List<List<RunningTask>> running = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) {
            running.add(new ArrayList<>());
        }
        // Backlogs persist across cycles (tasks keep their queue time) and are topped up beyond what fits.
        Map<String, List<PendingTask>> backlog = new HashMap<>();
        long seq = 0;
        double[] sum = new double[tenants];
        int samples = 0;
        List<Reservation> held = List.of();
        for (int round = 0; round < 60; round++) {
            Instant now = T.plusSeconds(60L * round);
            List<NodeView> nodes = new ArrayList<>();
            for (int i = 0; i < nodeCount; i++) {
                Resources a = running.get(i).stream().map(RunningTask::request).reduce(Resources.ZERO, Resources::plus);
                nodes.add(new NodeView("n" + i, Map.of(), true, e, a, 0, running.get(i)));
            }
            List<PendingTask> q = new ArrayList<>();
            for (int t = 0; t < (round < 10 ? 1 : tenants); t++) {
                Resources r = shape.get("t" + t);
                List<PendingTask> mine = backlog.computeIfAbsent("t" + t, k -> new ArrayList<>());
                long want = (long) Math.min(totalCpu / r.cpu().value(), totalMem / r.memory().value()) + 1;
                while (mine.size() < want) {
                    mine.add(new PendingTask("t" + t + "-" + seq, 0, r, 0, seq++, Map.of(), "t" + t, now, null));
                }
                q.addAll(mine);
            }
            Map<TaskKey, PendingTask> byKey = new HashMap<>();
            q.forEach(t -> byKey.put(t.key(), t));
            ScheduleResult res = s.schedule(nodes, q, held, now, 100_000);
            held = res.reservations();
            for (Placement p : res.placements()) {
                PendingTask t = byKey.get(p.key());
                backlog.get(t.tenant()).remove(t);
                running.get(Integer.parseInt(p.node().substring(1))).add(new RunningTask(t.jobId(), 0, t.tenant(), t.request(), 0, now));
            }
            if (round >= 45) {
                double[] share = shares(running, tenants, totalCpu, totalMem, weights);
                for (int t = 0; t < tenants; t++) {
                    sum[t] += share[t];
                }
                samples++;
            }
            for (List<RunningTask> l : running) {
                l.removeIf(x -> rnd.nextDouble() < 0.3);
            }
        }
        double lo = Double.MAX_VALUE;
        double hi = 0;
        double task = 0;
        for (int t = 0; t < tenants; t++) {
            double avg = sum[t] / samples;
            lo = Math.min(lo, avg);
            hi = Math.max(hi, avg);
            Resources r = shape.get("t" + t);
            task = Math.max(task, Math.max(r.cpu().value() / totalCpu, r.memory().value() / totalMem) / weights.get("t" + t));
        }
        double allowance = task * (8 + 5 * nodeCount);
        assertTrue(hi - lo <= allowance, "weighted dominant shares " + lo + " .. " + hi + ", allowed gap " + allowance);
    }

    /**
     * The rule behind the fair share, checked decision by decision against an exhaustive search: a task left waiting
     * for lack of room fits no node at that moment (so the indexes miss no node), and a placement goes to a tenant
     * only when no tenant of lower weighted dominant share has a task left that fits.
     */
    @Property(tries = 150)
    void eachPlacementGoesToTheLowestShareTenantThatFits(@ForAll long seed, @ForAll @IntRange(min = 1, max = 10) int nodeCount,
            @ForAll @IntRange(min = 2, max = 4) int tenants, @ForAll boolean binPack) {
        Random rnd = new Random(seed);
        World w = world(rnd, nodeCount);
        Map<String, Double> weights = new HashMap<>();
        for (int t = 0; t < tenants; t++) {
            weights.put("t" + t, 1.0 + rnd.nextInt(3));
        }
        Scheduler s = new Scheduler(w.est(), SchedulerSettings.DEFAULTS.withTenants(weights, Map.of()).withReservations(Duration.ZERO, 0)
                .withPlacing(binPack ? SchedulerSettings.Placing.BIN_PACK : SchedulerSettings.Placing.SPREAD));
        List<NodeView> nodes = w.nodes();
        Map<String, long[]> room = new HashMap<>(); // usable node -> {cpu room, mem room}
        double totalCpu = 0;
        double totalMem = 0;
        for (NodeView n : nodes) {
            if (n.schedulable() && !n.estimate().stale()) {
                long cpu = w.est().cpuLimit(n.estimate()).value();
                long mem = n.estimate().lendableMemory().value();
                room.put(n.name(), new long[] {cpu - n.allocated().cpu().value(), mem - n.allocated().memory().value()});
                totalCpu += cpu;
                totalMem += mem;
            }
        }
        List<PendingTask> q = new ArrayList<>();
        for (int i = 0; i < 40 + rnd.nextInt(200); i++) {
            Map<String, String> c = rnd.nextInt(5) == 0 ? Map.of("zone", "z" + rnd.nextInt(3)) : Map.of();
            q.add(new PendingTask("j" + i, 0, Resources.of(1 + rnd.nextInt(3000), 1 + rnd.nextLong(6L << 30)), 0, i, c, "t" + rnd.nextInt(tenants), T,
                    null));
        }
        Map<String, NodeView> byName = new HashMap<>();
        nodes.forEach(n -> byName.put(n.name(), n));
        Map<String, double[]> used = new HashMap<>();
        Map<TaskKey, PendingTask> undecided = new java.util.LinkedHashMap<>();
        q.forEach(t -> undecided.put(t.key(), t));
        Scheduler.Round round = s.start(nodes, q, List.of(), T, 100_000);
        for (Outcome o = round.step(); o != null; o = round.step()) {
            PendingTask t = undecided.remove(o.key());
            switch (o) {
                case Placement p -> {
                    double mine = share(used, t.tenant(), weights, totalCpu, totalMem);
                    for (PendingTask other : undecided.values()) {
                        if (share(used, other.tenant(), weights, totalCpu, totalMem) < mine - 1e-12) {
                            assertTrue(fitsNowhere(other, room, byName), t.tenant() + " placed before " + other + " of a lower share, which fits");
                        }
                    }
                    long[] r = room.get(p.node());
                    r[0] -= t.request().cpu().value();
                    r[1] -= t.request().memory().value();
                    assertTrue(r[0] >= 0 && r[1] >= 0, "over-committed " + p.node());
                    double[] u = used.computeIfAbsent(t.tenant(), k -> new double[2]);
                    u[0] += t.request().cpu().value();
                    u[1] += t.request().memory().value();
                }
                case Waiting wt -> assertTrue(wt.reason() != Waiting.Reason.NO_FIT || fitsNowhere(t, room, byName), "left waiting but fits: " + t);
                case Preemption p -> throw new AssertionError("preemption is off: " + p);
            }
        }
    }

    private static boolean fitsNowhere(PendingTask t, Map<String, long[]> room, Map<String, NodeView> byName) {
        for (var e : room.entrySet()) {
            if (byName.get(e.getKey()).matches(t.constraints()) && t.request().cpu().value() <= e.getValue()[0]
                    && t.request().memory().value() <= e.getValue()[1]) {
                return false;
            }
        }
        return true;
    }

    private static double share(Map<String, double[]> used, String tenant, Map<String, Double> weights, double cpu, double mem) {
        double[] u = used.getOrDefault(tenant, new double[2]);
        return Math.max(cpu > 0 ? u[0] / cpu : 0, mem > 0 ? u[1] / mem : 0) / weights.get(tenant);
    }

    private static double[] shares(List<List<RunningTask>> running, int tenants, double cpu, double mem, Map<String, Double> weights) {
        double[] c = new double[tenants];
        double[] m = new double[tenants];
        for (List<RunningTask> l : running) {
            for (RunningTask r : l) {
                int t = Integer.parseInt(r.tenant().substring(1));
                c[t] += r.request().cpu().value() / cpu;
                m[t] += r.request().memory().value() / mem;
            }
        }
        double[] out = new double[tenants];
        for (int t = 0; t < tenants; t++) {
            out[t] = Math.max(c[t], m[t]) / weights.get("t" + t);
        }
        return out;
    }

    /**
     * No starvation: a big low-priority task competes with an endless stream of small high-priority ones that would
     * fill every gap; once it has waited {@code reserveAfter}, a node drains for it and it runs within the time the
     * longest task there takes to end.
     */
    @Property(tries = 100)
    void aLowPriorityTaskIsNotStarvedOnceCapacityFrees(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int nodeCount,
            @ForAll boolean preemption, @ForAll boolean binPack) {
        Random rnd = new Random(seed);
        // The room arithmetic here counts lendable CPU once: no over-commit.
        CapacityEstimator est = new CapacityEstimator(CapacitySettings.DEFAULTS.withCpuOvercommit(1.0));
        int reserveAfterRounds = 1 + rnd.nextInt(5);
        int maxRuntime = 1 + rnd.nextInt(6);
        SchedulerSettings ss = SchedulerSettings.DEFAULTS.withPreemption(preemption).withReservations(Duration.ofMinutes(reserveAfterRounds), 2)
                .withPlacing(binPack ? SchedulerSettings.Placing.BIN_PACK : SchedulerSettings.Placing.SPREAD);
        Scheduler s = new Scheduler(est, ss);
        List<CapacityEstimate> caps = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) {
            caps.add(Cluster.idle(est, 2 + rnd.nextInt(15), 4 + rnd.nextInt(60)));
        }
        CapacityEstimate smallest = caps.stream().min((a, b) -> a.lendableMemory().compareTo(b.lendableMemory())).orElseThrow();
        // The big task fits on (at least) the smallest node when it is empty, and on no node that is half busy.
        PendingTask big = new PendingTask("big", 0, Resources.of(Math.min(est.cpuLimit(smallest).value(), 1000), smallest.lendableMemory().value()),
                -5, 0, Map.of(), "low", T, null);
        Map<String, List<long[]>> ends = new HashMap<>(); // node -> (end round, cpu, mem)
        List<Reservation> held = List.of();
        long seq = 1;
        int placedAt = -1;
        int deadline = reserveAfterRounds + maxRuntime + 3;
        for (int round = 0; round <= deadline && placedAt < 0; round++) {
            Instant now = T.plusSeconds(60L * round);
            List<NodeView> nodes = new ArrayList<>();
            for (int i = 0; i < nodeCount; i++) {
                List<long[]> l = ends.computeIfAbsent("n" + i, k -> new ArrayList<>());
                final int r = round;
                l.removeIf(x -> x[0] <= r);
                long cpu = l.stream().mapToLong(x -> x[1]).sum();
                long mem = l.stream().mapToLong(x -> x[2]).sum();
                List<RunningTask> run = new ArrayList<>();
                for (long[] x : l) {
                    run.add(new RunningTask("h" + x[3], 0, "high", Resources.of(x[1], x[2]), 10, now.minusSeconds(60)));
                }
                nodes.add(new NodeView("n" + i, Map.of(), true, caps.get(i), Resources.of(cpu, mem), rnd.nextDouble(), run));
            }
            List<PendingTask> q = new ArrayList<>();
            q.add(big);
            for (int k = 0; k < 200; k++) {
                q.add(new PendingTask("h" + seq, 0, Resources.of(100 + rnd.nextInt(400), (64L + rnd.nextInt(448)) << 20), 10, seq++, Map.of(),
                        "high", now, null));
            }
            Map<TaskKey, PendingTask> byKey = new HashMap<>();
            q.forEach(t -> byKey.put(t.key(), t));
            ScheduleResult r = s.schedule(nodes, q, held, now, 10_000);
            held = r.reservations();
            for (Placement p : r.placements()) {
                if (p.jobId().equals("big")) {
                    placedAt = round;
                    continue;
                }
                PendingTask t = byKey.get(p.key());
                ends.get(p.node()).add(new long[] {round + 1 + rnd.nextInt(maxRuntime), t.request().cpu().value(), t.request().memory().value(),
                        Long.parseLong(t.jobId().substring(1))});
            }
        }
        assertTrue(placedAt >= 0, "the low-priority task was not placed within " + deadline + " rounds");
    }

    /** The estimator's own invariants over random histories and policies. */
    @Property(tries = 300)
    void memoryLentNeverExceedsTheForecastFreeMemory(@ForAll long seed, @ForAll @IntRange(min = 1, max = 400) int readings) {
        Random rnd = new Random(seed);
        CapacityEstimator est = new CapacityEstimator(new CapacitySettings(1 + rnd.nextInt(3), new Millicores(rnd.nextInt(500)), rnd.nextDouble() * 0.5,
                Bytes.ofMiB(rnd.nextInt(1024)), Duration.ofSeconds(10), Duration.ofMinutes(1 + rnd.nextInt(120))));
        var h = est.newHistory();
        int cpus = 1 + rnd.nextInt(64);
        int gib = 1 + rnd.nextInt(256);
        Instant at = T;
        long maxMem = 0;
        dev.glean.core.node.NodeSample latest = null;
        Iterator<Integer> gaps = rnd.ints(readings, 1, 600).iterator();
        for (int i = 0; i < readings; i++) {
            at = at.plusSeconds(gaps.next());
            long mem = rnd.nextInt(4) == 0 ? rnd.nextLong((long) gib << 10) : (long) gib << 9;
            maxMem = Math.max(maxMem, mem);
            latest = Samples.node(at, cpus, gib, rnd.nextInt(cpus * 1100), mem);
            h.record(latest);
        }
        LendingPolicy p = LendingPolicy.fractions(rnd.nextDouble(), rnd.nextDouble());
        CapacityEstimate e = est.estimate(h, at, p, at);
        Bytes capacity = e.capacity().memory();
        assertTrue(e.lendableMemory().compareTo(e.forecastFreeMemory()) <= 0, "lends more than forecast free: " + e);
        assertTrue(e.lendableMemory().compareTo(capacity.minus(latest.incumbentMemory())) <= 0, "lends memory in use now");
        assertTrue(e.lendableMemory().compareTo(capacity.times(p.maxMemoryFraction())) <= 0, "beyond the policy's fraction");
        assertTrue(e.lendableCpu().value() <= Math.floor(e.capacity().cpu().value() * p.maxCpuFraction()), "cpu beyond the policy's fraction");
        assertTrue(e.memory().forecast() >= Math.min(capacity.value(), latest.incumbentMemory().value()), "below the current reading");
        assertTrue(e.cpu().forecast() >= Math.min(e.capacity().cpu().value(), latest.incumbentCpu().value()), "cpu below the current reading");
        assertTrue(e.memory().forecast() <= Bytes.ofMiB(maxMem).value() + capacity.value() / 200 + 1, "above anything ever seen");
    }
}
