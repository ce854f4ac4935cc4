package dev.glean.sim.bench;

import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.schedule.CapacityEstimator;
import dev.glean.core.schedule.CapacitySettings;
import dev.glean.core.schedule.Outcome;
import dev.glean.core.schedule.ScheduleResult;
import dev.glean.core.schedule.Scheduler;
import dev.glean.core.schedule.SchedulerBenchmark;
import dev.glean.core.schedule.NodeView;
import dev.glean.core.schedule.PendingTask;
import dev.glean.core.schedule.SchedulerSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The scheduler at cluster scale, under JMH, on the cluster and queue of glean-core's {@link SchedulerBenchmark}:
 * {@code nodes} nodes (8-64 CPUs, 32-512 GiB, each with its own incumbents' forecast and eviction risk, four zones,
 * a tenth with GPUs) and {@code tasks} queued tasks (0.25-4 CPUs x 256 MiB-16 GiB, 20 weighted tenants, four
 * priorities, a fifth pinned to a zone, some to GPU nodes, mixed declared runtimes), on an empty cluster, preemption on.
 *
 * <ul>
 * <li>{@link #cycle}: one whole scheduling cycle over the queue; the {@code placements} counter over the time gives
 * placements per second.
 * <li>{@link #decision}: one decision ({@code Round.step}), sampled for its latency distribution (p99); a new round
 * begins when one has decided the whole queue (that sample then includes the round's set-up).
 * </ul>
 * Run by {@code bench/scheduler}, never by {@code mvn verify}.
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g", "-XX:+UseParallelGC"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
public class SchedulerJmh {
    static final Instant NOW = SchedulerBenchmark.T;

    @Param("10000")
    int nodes;

    @Param("100000")
    int tasks;

    private Scheduler scheduler;
    private List<NodeView> cluster;
    private List<PendingTask> queue;
    private Scheduler.Round round;

    @Setup(Level.Trial)
    public void build() {
        Random rnd = new Random(42);
        CapacityEstimator est = new CapacityEstimator(new CapacitySettings(2.0, new Millicores(100), 0.1, Bytes.ofMiB(256),
                Duration.ofSeconds(10), Duration.ofMinutes(5)));
        scheduler = new Scheduler(est, SchedulerSettings.DEFAULTS.withTenants(SchedulerBenchmark.weights(), Map.of()).withPreemption(true));
        cluster = SchedulerBenchmark.nodes(rnd, est, nodes);
        queue = SchedulerBenchmark.queue(rnd, tasks);
        round = scheduler.start(cluster, queue, List.of(), NOW, Integer.MAX_VALUE);
    }

    /** Placements and decisions made, reported by JMH as rates (per second) next to the cycles. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Placed {
        public long placements;
        public long decisions;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public ScheduleResult cycle(Placed placed) {
        ScheduleResult r = scheduler.schedule(cluster, queue, List.of(), NOW, Integer.MAX_VALUE);
        placed.placements += r.stats().placements();
        placed.decisions += r.stats().decisions();
        return r;
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Outcome decision() {
        Outcome o = round.step();
        if (o == null) {
            round = scheduler.start(cluster, queue, List.of(), NOW, Integer.MAX_VALUE);
            o = round.step();
        }
        return o;
    }
}
