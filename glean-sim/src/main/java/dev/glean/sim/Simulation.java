package dev.glean.sim;

import dev.glean.core.forecast.IncumbentHistory;
import dev.glean.core.forecast.UseForecast;
import dev.glean.core.guard.GuardAction;
import dev.glean.core.guard.GuardPolicy;
import dev.glean.core.guard.GuardReadings;
import dev.glean.core.guard.GuardSettings;
import dev.glean.core.guard.GuardState;
import dev.glean.core.node.NodeSample;
import dev.glean.core.node.Pressure;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.resources.Resources;
import dev.glean.core.schedule.CapacityEstimate;
import dev.glean.core.schedule.CapacityEstimator;
import dev.glean.core.schedule.EvictionRisk;
import dev.glean.core.schedule.LendingPolicy;
import dev.glean.core.schedule.NodeView;
import dev.glean.core.schedule.PendingTask;
import dev.glean.core.schedule.Placement;
import dev.glean.core.schedule.Reservation;
import dev.glean.core.schedule.RunningTask;
import dev.glean.core.schedule.ScheduleResult;
import dev.glean.core.schedule.Scheduler;
import dev.glean.sim.trace.NodeTrace;
import dev.glean.sim.workload.JobStream;
import dev.glean.sim.workload.SimTask;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A cluster in virtual time, in one thread, with the real {@link CapacityEstimator}, {@link Scheduler} and
 * {@link GuardPolicy}. Each step (60 s by default), for every node: the incumbents take what their trace says;
 * the guard reads the node (incumbents' and secondaries' memory, the latter at their limits) and evicts as its
 * memory ladder decides, the evicted task going back to the queue and its work so far counting as wasted; the
 * secondaries share the CPU the incumbents leave idle over the step (never more), in proportion to their
 * requests, and finish when their work is done; the node's reading goes into its history and the estimator
 * forecasts what it can lend. Then one scheduling cycle places queued tasks, which start at the next step, so
 * every placement must hold against incumbents one step ahead.
 *
 * <p>The guard is asked only while a node runs secondaries and its available memory is below the ladder's highest
 * watermark plus its margin (read from the guard's settings): above that the ladder can neither evict nor reclaim,
 * as no memory stall is simulated, and asking it for every node at every step would cost most of the run's time.
 *
 * <p>Not modelled: the guard's CPU loop (its quota only lowers what the secondaries get, which the step's idle
 * CPU already bounds), io, page cache (secondaries use their whole limit), agents' report latency and failures.
 */
public final class Simulation {
    private static final long TASK_LIMIT = 4_194_304;

    private final SimSettings settings;
    private final List<NodeTrace> traces;
    private final CapacityEstimator estimator;
    private final Scheduler scheduler;
    private final GuardPolicy guard;

    public Simulation(SimSettings settings, List<NodeTrace> traces) {
        if (traces.isEmpty()) {
            throw new IllegalArgumentException("no nodes to simulate");
        }
        this.settings = settings;
        this.traces = traces;
        this.estimator = new CapacityEstimator(settings.capacity());
        this.scheduler = new Scheduler(estimator, settings.scheduler());
        this.guard = new GuardPolicy(GuardSettings.forMode(settings.guard(), settings.capacity()));
    }

    private static final class Running {
        final SimTask task;
        final RunningTask view;
        final String id;
        double done;

        Running(SimTask task, RunningTask view) {
            this.task = task;
            this.view = view;
            this.id = task.jobId();
        }
    }

    private final class Node {
        final NodeTrace trace;
        final Resources capacity;
        final IncumbentHistory history = estimator.newHistory();
        final List<Running> running = new ArrayList<>();
        final ArrayDeque<Long> evictedAt = new ArrayDeque<>();
        /** Below this much available memory the guard's memory ladder can act; above it the guard is not asked. */
        final long guardWatermark;
        GuardState guardState = GuardState.initial();
        CapacityEstimate estimate;
        long allocCpu;
        long allocMem;
        double idleMillis;
        double harvestedMillis;
        double wastedMillis;
        long evictions;
        double busySeconds;
        double idleSeconds;
        double secondarySeconds;

        Node(NodeTrace trace) {
            this.trace = trace;
            this.capacity = Resources.of(trace.cpus() * 1000L, trace.memoryBytes());
            GuardSettings.Memory m = guard.settings().memory();
            this.guardWatermark = Math.round((Math.max(m.admitStop(), m.reclaim()) + m.margin()) * m.reserve(capacity.memory()).value());
        }

        void start(SimTask t, Instant now) {
            running.add(new Running(t, new RunningTask(t.jobId(), 0, t.tenant(), t.request(), t.priority(), now)));
            allocCpu += t.request().cpu().value();
            allocMem += t.request().memory().value();
        }

        void stop(Running r) {
            running.remove(r);
            allocCpu -= r.task.request().cpu().value();
            allocMem -= r.task.request().memory().value();
        }
    }

    /** A queued task and what the scheduler sees of it. */
    private record Queued(SimTask task, PendingTask pending) {}

    public SimReport run() {
        long wallStart = System.nanoTime();
        int dt = settings.stepSeconds();
        Duration interval = Duration.ofSeconds(dt);
        List<Node> nodes = new ArrayList<>(traces.size());
        Map<String, Node> byName = new HashMap<>();
        for (NodeTrace t : traces) {
            Node n = new Node(t);
            nodes.add(n);
            byName.put(t.name(), n);
        }
        JobStream stream = new JobStream(settings.seed());
        LinkedHashMap<String, Queued> queue = new LinkedHashMap<>();
        List<Reservation> reservations = List.of();
        int backlog = settings.effectiveBacklog();
        long evictionMemory = Math.max(1, dev.glean.core.schedule.EvictionRisk.RECENT.toSeconds() / dt);

        double idle = 0;
        double harvested = 0;
        double wasted = 0;
        double idleUnused = 0;
        long evictions = 0;
        long shortfalls = 0;
        long violations = 0;
        long lending = 0;
        long started = 0;
        long completed = 0;

        int steps = settings.steps();
        List<NodeView> views = new ArrayList<>(nodes.size());
        for (int step = 0; step < steps; step++) {
            Instant now = settings.start().plusSeconds((long) step * dt);
            views.clear();
            for (Node n : nodes) {
                long capCpu = n.capacity.cpu().value();
                long total = n.capacity.memory().value();
                long incCpu = Math.min(capCpu, n.trace.cpuMillis(step));
                long incMem = Math.min(total, n.trace.memoryUsed(step));

                // Memory: the incumbents' need this step against what is lent, before the guard can act.
                if (incMem + n.allocMem > total) {
                    shortfalls++;
                }
                if (!n.running.isEmpty()) {
                    lending++;
                    if (n.estimate != null && incCpu > n.estimate.cpu().forecast()) {
                        violations++;
                    }
                }
                long available = Math.max(0, total - incMem - n.allocMem);
                if (!n.running.isEmpty() && available < n.guardWatermark) {
                    List<GuardReadings.Secondary> secs = new ArrayList<>(n.running.size());
                    for (Running r : n.running) {
                        Bytes limit = r.task.request().memory();
                        secs.add(new GuardReadings.Secondary(r.id, r.task.priority(), r.view.startedAt(), limit, Bytes.ZERO, limit, 1));
                    }
                    GuardReadings readings = new GuardReadings(interval, n.trace.cpus(), n.capacity.memory(),
                            new Bytes(available), new Millicores(incCpu),
                            new Millicores(Math.min(n.allocCpu, capCpu - incCpu)), Duration.ZERO, GuardReadings.Stalls.NONE, List.of(), 0,
                            TASK_LIMIT, secs);
                    GuardPolicy.Decision d = guard.decide(readings, n.guardState, now);
                    n.guardState = d.state();
                    for (GuardAction a : d.actions()) {
                        if (a instanceof GuardAction.Evict e) {
                            Running r = find(n, e.containerId());
                            if (r != null) {
                                n.stop(r);
                                wasted += r.done;
                                n.wastedMillis += r.done;
                                n.evictions++;
                                evictions++;
                                n.evictedAt.add((long) step);
                                PendingTask p = pending(r.task, now);
                                queue.put(r.id, new Queued(r.task, p));
                            }
                        }
                    }
                }

                // CPU over the step: the secondaries get what the incumbents leave, at most what they ask for.
                long idleCpu = capCpu - incCpu;
                long got = Math.min(n.allocCpu, idleCpu);
                idle += idleCpu * (double) dt;
                harvested += got * (double) dt;
                idleUnused += (idleCpu - got) * (double) dt;
                n.idleMillis += idleCpu * (double) dt;
                n.harvestedMillis += got * (double) dt;
                if (got > 0) {
                    double perRequested = got / (double) n.allocCpu;
                    for (int i = n.running.size() - 1; i >= 0; i--) {
                        Running r = n.running.get(i);
                        r.done += r.task.request().cpu().value() * perRequested * dt;
                        if (r.done >= r.task.work()) {
                            n.stop(r);
                            completed++;
                        }
                    }
                }

                // The node's reading, as the agent would report it, and the estimate the controller makes of it.
                n.busySeconds += (incCpu + got) / 1000.0 * dt;
                n.idleSeconds += (capCpu - incCpu - got) / 1000.0 * dt;
                n.secondarySeconds += got / 1000.0 * dt;
                while (!n.evictedAt.isEmpty() && n.evictedAt.peekFirst() <= step - evictionMemory) {
                    n.evictedAt.pollFirst();
                }
                n.estimate = estimate(n, now, incCpu, incMem, got);
                List<RunningTask> rt = new ArrayList<>(n.running.size());
                for (Running r : n.running) {
                    rt.add(r.view);
                }
                double risk = settings.riskAware() ? EvictionRisk.of(n.estimate, n.evictedAt.size(), now) : 0;
                views.add(new NodeView(n.trace.name(), Map.of(), true, n.estimate, Resources.of(n.allocCpu, n.allocMem), risk, rt));
            }

            while (queue.size() < backlog) {
                SimTask t = stream.next();
                queue.put(t.jobId(), new Queued(t, pending(t, now)));
            }
            List<PendingTask> pendings = new ArrayList<>(queue.size());
            for (Queued q : queue.values()) {
                pendings.add(q.pending());
            }
            ScheduleResult result = scheduler.schedule(views, pendings, reservations, now, settings.maxPlacementsPerCycle());
            reservations = result.reservations();
            Instant startsAt = now.plusSeconds(dt);
            for (Placement p : result.placements()) {
                Queued q = queue.remove(p.jobId());
                byName.get(p.node()).start(q.task(), startsAt);
                started++;
            }
        }
        long runningAtEnd = nodes.stream().mapToLong(n -> n.running.size()).sum();
        Map<String, SimReport.Kind> byKind = new java.util.TreeMap<>();
        for (Node n : nodes) {
            byKind.merge(n.trace.kind(), new SimReport.Kind(1, n.idleMillis / 3.6e6, n.harvestedMillis / 3.6e6, n.wastedMillis / 3.6e6,
                    n.evictions), SimReport.Kind::plus);
        }
        return new SimReport(settings.variant(), nodes.size(), settings.days(), settings.seed(), dt, idle / 3.6e6, harvested / 3.6e6,
                wasted / 3.6e6, idleUnused / 3.6e6, evictions, shortfalls, violations, lending, started, completed, runningAtEnd,
                (System.nanoTime() - wallStart) / 1e9, byKind);
    }

    private CapacityEstimate estimate(Node n, Instant now, long incCpu, long incMem, long got) {
        long total = n.capacity.memory().value();
        long secMem = n.allocMem;
        if (settings.estimator() == EstimatorKind.NAIVE) {
            return naive(n, incCpu, incMem);
        }
        NodeSample s = new NodeSample(now, n.trace.cpus(), n.capacity.memory(), new Bytes(Math.max(0, total - incMem - secMem)),
                new Millicores(incCpu + got), new Millicores(got), new Bytes(secMem), Bytes.ZERO, n.busySeconds, n.idleSeconds,
                n.secondarySeconds, Pressure.NONE, Pressure.NONE, Pressure.NONE, Map.of());
        n.history.record(s);
        return estimator.estimate(n.history, now, LendingPolicy.OPEN, now);
    }

    /** The ablation: lend what is free now (capacity minus the current reading), with the same headroom and reserve. */
    private CapacityEstimate naive(Node n, long incCpu, long incMem) {
        Resources cap = n.capacity;
        UseForecast cpu = UseForecast.of(incCpu, incCpu, incCpu, OptionalLong.empty());
        UseForecast mem = UseForecast.of(incMem, incMem, incMem, OptionalLong.empty());
        Millicores headroom = settings.capacity().cpuHeadroom();
        Bytes reserve = settings.capacity().memoryReserve(cap.memory());
        Millicores lendCpu = cap.cpu().minus(new Millicores(incCpu)).minus(headroom);
        Bytes lendMem = cap.memory().minus(new Bytes(incMem)).minus(reserve);
        return new CapacityEstimate(cap, cpu, headroom, cap.cpu(), lendCpu, mem, reserve, cap.memory(), lendMem, false, 1, null,
                "naive: what is free now");
    }

    private static PendingTask pending(SimTask t, Instant now) {
        return new PendingTask(t.jobId(), 0, t.request(), t.priority(), t.id(), Map.of(), t.tenant(), now, t.declaredRuntime());
    }

    private static Running find(Node n, String id) {
        for (Running r : n.running) {
            if (r.id.equals(id)) {
                return r;
            }
        }
        return null;
    }
}
