package dev.glean.controller.loop;

import dev.glean.controller.ChangeFeed;
import dev.glean.controller.ControllerSettings;
import dev.glean.controller.jobs.TaskTransitions;
import dev.glean.controller.nodes.AttemptStop;
import dev.glean.controller.nodes.NodeRegistry;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.JobSpec;
import dev.glean.core.job.JobState;
import dev.glean.core.job.Task;
import dev.glean.core.job.TaskEvent;
import dev.glean.core.node.Node;
import dev.glean.core.node.NodeStatus;
import dev.glean.core.resources.Resources;
import dev.glean.core.schedule.CapacityEstimate;
import dev.glean.core.schedule.EvictionRisk;
import dev.glean.core.schedule.NodeView;
import dev.glean.core.schedule.PendingTask;
import dev.glean.core.schedule.Placement;
import dev.glean.core.schedule.Preemption;
import dev.glean.core.schedule.Reservation;
import dev.glean.core.schedule.RunningTask;
import dev.glean.core.schedule.ScheduleResult;
import dev.glean.core.schedule.Scheduler;
import dev.glean.core.store.Storage;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The controller's cycle: declare nodes whose lease ran out lost (their tasks go back to the queue), time out
 * overdue tasks, then place queued tasks. Runs every {@code cycle} and at once when woken (a submit, a freed
 * node). Each step is its own transaction; the scheduler itself is the pure {@link Scheduler}.
 */
public final class SchedulingLoop implements AutoCloseable {
    private final Storage storage;
    private final TaskTransitions transitions;
    private final NodeRegistry registry;
    private final Scheduler scheduler;
    private final ChangeFeed feed;
    private final Clock clock;
    private final ControllerSettings settings;
    private final Semaphore wake = new Semaphore(0);
    /** Job specs (and submission times) never change; a bounded cache of them saves reading whole jobs every cycle. */
    private final Map<String, Known> specs = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Known> eldest) {
            return size() > 100_000;
        }
    });
    /** Nodes found not READY, with the report time they were found at: not read again until they report. */
    private final Map<String, Instant> settled = new ConcurrentHashMap<>();
    /** The scheduler is stateless: the nodes it held for waiting tasks last cycle are handed back to it. */
    private volatile List<Reservation> reservations = List.of();

    private record Known(JobSpec spec, Instant submittedAt) {}
    private final Thread thread;
    private final java.util.concurrent.atomic.AtomicLong placementCount = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean running = true;
    private volatile Throwable lastError;
    /** When the loop last looked for nodes whose lease ran out (loop thread only). */
    private Instant lastLeaseScan;

    public SchedulingLoop(Storage storage, TaskTransitions transitions, NodeRegistry registry, Scheduler scheduler, ChangeFeed feed,
            Clock clock, ControllerSettings settings) {
        this.storage = storage;
        this.transitions = transitions;
        this.registry = registry;
        this.scheduler = scheduler;
        this.feed = feed;
        this.clock = clock;
        this.settings = settings;
        this.thread = Thread.ofPlatform().name("glean-scheduler").daemon(true).unstarted(this::run);
    }

    public void start() {
        Instant now = clock.instant();
        for (Node n : storage.read(v -> v.nodes())) {
            registry.known(n.name(), now);
        }
        thread.start();
    }

    public void wake() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    public Throwable lastError() {
        return lastError;
    }

    private void run() {
        while (running) {
            try {
                wake.tryAcquire(settings.cycle().toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
                if (!running) {
                    return;
                }
                cycle();
                lastError = null;
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                lastError = e;
            }
        }
    }

    /** One cycle; public for tests that drive the controller step by step. */
    public void cycle() {
        Instant now = clock.instant();
        Set<String> touched = new HashSet<>();
        expireLeases(now, touched);
        timeOut(now, touched);
        place(now, touched);
        if (!touched.isEmpty()) {
            touched.forEach(feed::bumpNode);
            feed.bump();
        }
    }

    private void expireLeases(Instant now, Set<String> touched) {
        // Leases are checked once a cycle period at most, however often the loop is woken: at 10,000 nodes the scan
        // is ~10,000 map entries, and reports that move tasks wake the loop many times a second.
        if (lastLeaseScan != null && now.isBefore(lastLeaseScan.plus(settings.cycle())) && !now.isBefore(lastLeaseScan)) {
            return;
        }
        lastLeaseScan = now;
        // Candidates come from memory (every stored node is in the registry since start): a cycle reads the store
        // only for nodes whose lease ran out, not all nodes, which it did every cycle before.
        Instant cutoff = now.minus(settings.lease()).minus(settings.lostGrace());
        List<Map.Entry<String, Instant>> expired = new ArrayList<>();
        registry.forEach((name, live) -> {
            Instant seen = live.lastReportAt();
            if (seen != null && seen.isBefore(cutoff) && !seen.equals(settled.get(name))) {
                expired.add(Map.entry(name, seen));
            }
        });
        for (Map.Entry<String, Instant> e : expired) {
            Instant seen = e.getValue();
            Node n = storage.read(v -> v.node(e.getKey())).orElse(null);
            if (n == null || n.status() != NodeStatus.READY) {
                // Already LOST (or gone): nothing to do until it reports again, which moves its lastReportAt.
                settled.put(e.getKey(), seen);
                continue;
            }
            Instant last = seen;
            storage.write(tx -> {
                Node fresh = tx.node(n.name()).orElseThrow();
                NodeRegistry.Live now2 = registry.get(n.name());
                Instant latest = now2 == null ? last : now2.lastReportAt();
                // Re-checked inside the transaction: a report that arrived meanwhile keeps the node.
                if (fresh.status() != NodeStatus.READY || !latest.plus(settings.lease()).plus(settings.lostGrace()).isBefore(now)) {
                    return null;
                }
                tx.upsertNode(fresh.withStatus(NodeStatus.LOST));
                // Its version moves even with no task on it: a report answered from memory must not find it READY.
                touched.add(n.name());
                String why = "node " + n.name() + " has not reported since " + last;
                tx.append(Event.node(now, "node-lost", n.name(), why + "; its lease ran out"));
                for (Task t : tx.tasksOnNode(n.name())) {
                    if (t.state().onNode()) {
                        Job job = tx.job(t.jobId()).orElseThrow();
                        transitions.apply(tx, job, t, new TaskEvent.Lost(why, now), touched);
                    }
                }
                return null;
            });
        }
    }

    private void timeOut(Instant now, Set<String> touched) {
        List<Task> live = storage.read(v -> v.tasksInStates(EnumSet.of(JobState.RUNNING, JobState.SUSPENDED)));
        for (Task t : live) {
            JobSpec spec = spec(t.jobId());
            if (spec == null || spec.timeout() == null || t.startedAt() == null || !t.startedAt().plus(spec.timeout()).isBefore(now)) {
                continue;
            }
            storage.write(tx -> {
                Job job = tx.job(t.jobId()).orElseThrow();
                Task fresh = job.task(t.index());
                if (fresh.attempts() == t.attempts() && fresh.state().onNode()) {
                    transitions.apply(tx, job, fresh, new TaskEvent.TimedOut(now), touched);
                }
                return null;
            });
        }
    }

    private void place(Instant now, Set<String> touched) {
        List<Task> queued = storage.read(v -> v.tasksInStates(EnumSet.of(JobState.QUEUED)));
        if (queued.isEmpty()) {
            return;
        }
        List<Node> nodes = storage.read(v -> v.nodes());
        List<Task> onNodes = storage.read(v -> v.tasksInStates(EnumSet.of(JobState.PLACED, JobState.RUNNING, JobState.SUSPENDED)));
        Map<String, Resources> allocated = new HashMap<>();
        for (Task t : onNodes) {
            JobSpec s = spec(t.jobId());
            if (s != null && t.node() != null) {
                allocated.merge(t.node(), s.resources(), Resources::plus);
            }
        }
        // A task that ended (cancel, timeout, lost) frees its node only once the node reports its container gone:
        // until then its memory is still in use there.
        java.util.Set<String> current = new java.util.HashSet<>();
        for (Task t : onNodes) {
            current.add(t.attemptId());
        }
        for (Node n : nodes) {
            NodeRegistry.Live live = registry.get(n.name());
            if (live == null) {
                continue;
            }
            for (dev.glean.core.protocol.ContainerReport c : live.containers()) {
                if (c.phase() == dev.glean.core.runtime.ContainerPhase.EXITED || current.contains(c.attemptId())) {
                    continue;
                }
                try {
                    JobSpec s = spec(dev.glean.core.job.AttemptId.parse(c.attemptId()).jobId());
                    if (s != null) {
                        allocated.merge(n.name(), s.resources(), Resources::plus);
                    }
                } catch (dev.glean.core.error.GleanException e) {
                    // not one of ours: nothing to count
                }
            }
        }
        Map<String, List<RunningTask>> running = new HashMap<>();
        for (Task t : onNodes) {
            Known k = known(t.jobId());
            if (k != null && t.node() != null) {
                running.computeIfAbsent(t.node(), x -> new ArrayList<>()).add(new RunningTask(t.jobId(), t.index(), k.spec().tenant(),
                        k.spec().resources(), k.spec().priority(), t.startedAt()));
            }
        }
        List<NodeView> views = new ArrayList<>();
        for (Node n : nodes) {
            CapacityEstimate e = registry.estimate(n.name(), n.labels(), now);
            // A node whose guard stopped admitting (memory or threads short) takes nothing new until it resumes.
            views.add(new NodeView(n.name(), n.labels(), n.status() == NodeStatus.READY && !n.cordoned() && registry.admitting(n.name()), e,
                    allocated.getOrDefault(n.name(), Resources.ZERO), EvictionRisk.of(e, registry.recentEvictions(n.name(), now), now),
                    running.getOrDefault(n.name(), List.of())));
        }
        List<PendingTask> pending = new ArrayList<>(queued.size());
        Map<String, Long> order = new HashMap<>();
        Set<String> held = storage.read(v -> v.heldJobs());
        for (Task t : queued) {
            Known k = known(t.jobId());
            if (k == null || held.contains(t.jobId())) {
                continue;
            }
            JobSpec s = k.spec();
            long o = order.computeIfAbsent(t.jobId(), id -> (long) order.size());
            // A timeout is the only runtime a job declares; without one its runtime is unknown.
            pending.add(new PendingTask(t.jobId(), t.index(), s.resources(), s.priority(), o, s.labels(), s.tenant(), k.submittedAt(),
                    s.timeout()));
        }
        ScheduleResult result = scheduler.schedule(views, pending, reservations, now, settings.maxPlacementsPerCycle());
        reservations = result.reservations();
        preempt(result.preemptions(), onNodes, now, touched);
        List<Placement> placements = result.placements();
        if (placements.isEmpty()) {
            return;
        }
        int[] placed = {0};
        storage.write(tx -> {
            placed[0] = 0; // counted once the transaction commits
            Map<String, Job> jobs = new HashMap<>();
            for (Placement p : placements) {
                Job job = jobs.computeIfAbsent(p.jobId(), id -> tx.job(id).orElse(null));
                if (job == null) {
                    continue;
                }
                Task t = job.task(p.index());
                if (t != null && t.state() == JobState.QUEUED
                        && transitions.apply(tx, job, t, new TaskEvent.Place(p.node(), now), touched)
                                instanceof dev.glean.core.job.Transition.Changed) {
                    placed[0]++;
                }
            }
            return null;
        });
        placementCount.addAndGet(placed[0]);
    }

    /** Tasks placed since this controller started. */
    public long placements() {
        return placementCount.get();
    }

    /**
     * Asks the victims' nodes to stop them; the preemptor's node stays reserved for it until they are gone. A victim
     * is requeued only once its node reports it ended, so it never runs on two nodes at once.
     */
    private void preempt(List<Preemption> preemptions, List<Task> onNodes, Instant now, Set<String> touched) {
        if (preemptions.isEmpty()) {
            return;
        }
        Map<String, Task> byKey = new HashMap<>();
        for (Task t : onNodes) {
            byKey.put(t.jobId() + "/" + t.index(), t);
        }
        List<AttemptStop> stops = new ArrayList<>();
        List<Event> events = new ArrayList<>();
        for (Preemption p : preemptions) {
            Known k = known(p.jobId());
            String why = "preempted: job " + p.jobId() + (k == null ? "" : " (priority " + k.spec().priority() + ")") + " needs the room on "
                    + p.node();
            for (RunningTask v : p.victims()) {
                Task t = byKey.get(v.jobId() + "/" + v.index());
                if (t == null || !p.node().equals(t.node()) || registry.isStopping(p.node(), t.attemptId())) {
                    continue;
                }
                AttemptStop s = new AttemptStop(p.node(), t, why);
                stops.add(s);
                events.add(s.event("preempting", now, Map.of("preemptor", p.jobId() + "/" + p.index(),
                        "priority", Integer.toString(v.priority()))));
            }
        }
        if (stops.isEmpty()) {
            return;
        }
        storage.write(tx -> {
            events.forEach(tx::append);
            return null;
        });
        AttemptStop.apply(stops, registry, now);
        stops.forEach(s -> touched.add(s.node()));
    }

    private JobSpec spec(String jobId) {
        Known k = known(jobId);
        return k == null ? null : k.spec();
    }

    private Known known(String jobId) {
        Known k = specs.get(jobId);
        if (k == null) {
            k = storage.read(v -> v.job(jobId)).map(j -> new Known(j.spec(), j.submittedAt())).orElse(null);
            if (k != null) {
                specs.put(jobId, k);
            }
        }
        return k;
    }

    @Override
    public void close() {
        running = false;
        wake();
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
