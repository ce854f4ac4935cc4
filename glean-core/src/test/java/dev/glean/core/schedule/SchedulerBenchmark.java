package dev.glean.core.schedule;

import dev.glean.core.resources.Resources;
import dev.glean.core.testing.Samples;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Placements per second and per-decision latency of one scheduling cycle at cluster scale: 10,000 nodes and
 * 100,000 queued tasks. Not a test and not JMH: one quick run that prints a table, meant to be run on purpose:
 *
 * <pre>
 * mvn -o -q test-compile -pl glean-core -am
 * java -Xmx2g -cp glean-core/target/classes:glean-core/target/test-classes dev.glean.core.schedule.SchedulerBenchmark [nodes] [tasks]
 * </pre>
 *
 * Cycles: "empty" places the whole queue into an idle cluster (every decision moves a node between grid cells);
 * "full, 10% freed" is the steady state: the cluster filled by further waves of the same queue, then a tenth of
 * the work ended, and a new queue of the same size arrives (most of it fits nowhere and must be told so fast). Each is run three times on the same JVM; the first run includes
 * JIT warm-up. Latency is per decision (one queued task), timed around {@link Scheduler.Round#step}.
 */
public final class SchedulerBenchmark {
    public static final Instant T = Instant.parse("2026-11-27T10:00:00Z");

    public static void main(String[] args) {
        int nodeCount = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int taskCount = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        Random rnd = new Random(42);
        CapacityEstimator est = new CapacityEstimator(new CapacitySettings(2.0, new dev.glean.core.resources.Millicores(100), 0.1,
                dev.glean.core.resources.Bytes.ofMiB(256), Duration.ofSeconds(10), Duration.ofMinutes(30)));
        List<NodeView> idle = nodes(rnd, est, nodeCount);
        List<PendingTask> queue = queue(rnd, taskCount);
        System.out.printf(Locale.ROOT, "%d nodes, %d queued tasks, %d tenants; JVM %s, %d CPUs available%n", nodeCount, taskCount, 20,
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%-24s %5s %9s %9s %9s %11s %11s %8s %8s %8s %8s %9s %9s%n", "cycle", "run", "decisions", "placed",
                "cycle ms", "decisions/s", "placements/s", "p50 us", "p99 us", "p999 us", "max us", "exam avg", "exam max");
        for (SchedulerSettings.Placing placing : SchedulerSettings.Placing.values()) {
            Scheduler s = new Scheduler(est, SchedulerSettings.DEFAULTS.withPlacing(placing).withTenants(weights(), Map.of())
                    .withPreemption(true));
            List<NodeView> full = null;
            for (int run = 1; run <= 3; run++) {
                Result empty = cycle(s, idle, queue);
                print(placing.name().toLowerCase(Locale.ROOT) + " empty", run, empty);
                full = empty.after;
            }
            // Keep submitting until the cluster is full, then let a tenth of the work end: the steady state, where
            // most of the queue fits nowhere and must be told so fast.
            int wave = 1;
            for (Result r = cycle(s, full, renamed(queue, wave)); r.placed > queue.size() / 100; r = cycle(s, full, renamed(queue, ++wave))) {
                full = r.after;
            }
            List<NodeView> busy = finishSome(rnd, full, 0.1);
            for (int run = 1; run <= 3; run++) {
                print(placing.name().toLowerCase(Locale.ROOT) + " full, 10% freed", run, cycle(s, busy, renamed(queue, 100 + run)));
            }
        }
    }

    private record Result(int decisions, int placed, long cycleNanos, long[] latencies, long examined, int maxExamined, List<NodeView> after) {}

    private static Result cycle(Scheduler s, List<NodeView> nodes, List<PendingTask> queue) {
        long[] lat = new long[queue.size() + 1];
        int n = 0;
        long t0 = System.nanoTime();
        Scheduler.Round round = s.start(nodes, queue, List.of(), T, Integer.MAX_VALUE);
        long total = 0;
        int max = 0;
        Map<TaskKey, PendingTask> byKey = new HashMap<>();
        int placed = 0;
        while (true) {
            long a = System.nanoTime();
            Outcome o = round.step();
            long b = System.nanoTime();
            if (o == null) {
                break;
            }
            lat[n++] = b - a;
            total += round.lastExamined();
            max = Math.max(max, round.lastExamined());
            if (o instanceof Placement) {
                placed++;
            }
        }
        ScheduleResult r = round.finish();
        long cycle = System.nanoTime() - t0;
        // The cluster as the next cycle sees it (outside the timing).
        queue.forEach(t -> byKey.put(t.key(), t));
        Map<String, Resources> use = new HashMap<>();
        Map<String, List<RunningTask>> run = new HashMap<>();
        for (Placement p : r.placements()) {
            PendingTask t = byKey.get(p.key());
            use.merge(p.node(), t.request(), Resources::plus);
            run.computeIfAbsent(p.node(), k -> new ArrayList<>()).add(new RunningTask(t.jobId(), t.index(), t.tenant(), t.request(), t.priority(), T));
        }
        List<NodeView> after = new ArrayList<>(nodes.size());
        for (NodeView v : nodes) {
            List<RunningTask> rt = new ArrayList<>(v.running());
            rt.addAll(run.getOrDefault(v.name(), List.of()));
            after.add(new NodeView(v.name(), v.labels(), v.schedulable(), v.estimate(), v.allocated().plus(use.getOrDefault(v.name(), Resources.ZERO)),
                    v.risk(), rt));
        }
        return new Result(n, placed, cycle, Arrays.copyOf(lat, n), total, max, after);
    }

    /** Ends a share of the running tasks, as if they finished between cycles. */
    private static List<NodeView> finishSome(Random rnd, List<NodeView> nodes, double share) {
        List<NodeView> out = new ArrayList<>(nodes.size());
        for (NodeView v : nodes) {
            List<RunningTask> keep = new ArrayList<>();
            Resources freed = Resources.ZERO;
            for (RunningTask t : v.running()) {
                if (rnd.nextDouble() < share) {
                    freed = freed.plus(t.request());
                } else {
                    keep.add(t);
                }
            }
            out.add(new NodeView(v.name(), v.labels(), v.schedulable(), v.estimate(), v.allocated().minus(freed), v.risk(), keep));
        }
        return out;
    }

    /** The same queue as new jobs (the first ones have run). */
    private static List<PendingTask> renamed(List<PendingTask> q, int wave) {
        List<PendingTask> out = new ArrayList<>(q.size());
        for (PendingTask t : q) {
            out.add(new PendingTask("w" + wave + "-" + t.jobId(), t.index(), t.request(), t.priority(), t.order(), t.constraints(), t.tenant(),
                    t.queuedAt(), t.expectedRuntime()));
        }
        return out;
    }

    private static void print(String name, int run, Result r) {
        long[] l = r.latencies.clone();
        Arrays.sort(l);
        double secs = r.cycleNanos / 1e9;
        System.out.printf(Locale.ROOT, "%-24s %5d %9d %9d %9.0f %11.0f %11.0f %8.1f %8.1f %8.1f %8.0f %9.1f %9d%n", name, run, r.decisions, r.placed,
                r.cycleNanos / 1e6, r.decisions / secs, r.placed / secs, pct(l, 0.50) / 1e3, pct(l, 0.99) / 1e3, pct(l, 0.999) / 1e3,
                l.length == 0 ? 0 : l[l.length - 1] / 1e3, r.decisions == 0 ? 0 : r.examined / (double) r.decisions, r.maxExamined);
    }

    private static double pct(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    /** 20 tenants weighted 1, 2 or 3 (also used by glean-sim's JMH benchmark). */
    public static Map<String, Double> weights() {
        Map<String, Double> w = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            w.put("tenant" + i, 1.0 + i % 3);
        }
        return w;
    }

    /** Mixed machines with their own incumbents (a forecast each), zones, a few GPU nodes, and risk from the forecast. */
    public static List<NodeView> nodes(Random rnd, CapacityEstimator est, int n) {
        int[] cpus = {8, 16, 32, 64};
        int[] gib = {32, 64, 128, 256, 512};
        List<NodeView> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int c = cpus[rnd.nextInt(cpus.length)];
            int g = gib[rnd.nextInt(gib.length)];
            var h = est.newHistory();
            double base = 0.1 + rnd.nextDouble() * 0.3;
            for (int k = 0; k < 30; k++) {
                double u = base + rnd.nextDouble() * 0.1;
                h.record(Samples.node(T.minusSeconds(30 - k), c, g, (long) (c * 1000 * u), (long) (g * 1024L * u)));
            }
            CapacityEstimate e = est.estimate(h, T, LendingPolicy.OPEN, T);
            Map<String, String> labels = rnd.nextInt(10) == 0 ? Map.of("zone", "z" + i % 4, "gpu", "true") : Map.of("zone", "z" + i % 4);
            out.add(new NodeView("node-" + i, labels, true, e, Resources.ZERO, EvictionRisk.of(e, rnd.nextInt(3), T), List.of()));
        }
        return out;
    }

    /** Shapes from a short menu, as users ask; a fifth pinned to a zone, a few to GPU nodes; mixed priorities and runtimes. */
    public static List<PendingTask> queue(Random rnd, int n) {
        long[] cpu = {250, 500, 1000, 2000, 4000};
        long[] mib = {256, 512, 1024, 2048, 4096, 8192, 16384};
        List<PendingTask> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Map<String, String> c = switch (rnd.nextInt(50)) {
                case 0 -> Map.of("gpu", "true");
                case 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 -> Map.of("zone", "z" + rnd.nextInt(4));
                default -> Map.of();
            };
            Duration runtime = switch (rnd.nextInt(4)) {
                case 0 -> Duration.ofMinutes(10);
                case 1 -> Duration.ofHours(4);
                default -> null;
            };
            out.add(new PendingTask("job" + i / 10, i % 10, Resources.of(cpu[rnd.nextInt(cpu.length)], mib[rnd.nextInt(mib.length)] << 20),
                    rnd.nextInt(4), i / 10, c, "tenant" + rnd.nextInt(20), T.minusSeconds(rnd.nextInt(3600)), runtime));
        }
        return out;
    }
}
