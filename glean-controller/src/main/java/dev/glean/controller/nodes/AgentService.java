package dev.glean.controller.nodes;

import dev.glean.controller.ChangeFeed;
import dev.glean.controller.ControllerSettings;
import dev.glean.controller.jobs.Launches;
import dev.glean.controller.jobs.TaskTransitions;
import dev.glean.core.error.GleanException;
import dev.glean.core.job.AttemptId;
import dev.glean.core.job.Event;
import dev.glean.core.job.Job;
import dev.glean.core.job.Task;
import dev.glean.core.job.TaskEvent;
import dev.glean.core.job.Transition;
import dev.glean.core.node.Node;
import dev.glean.core.node.NodeStatus;
import dev.glean.core.protocol.AgentReport;
import dev.glean.core.protocol.ContainerReport;
import dev.glean.core.protocol.DesiredState;
import dev.glean.core.protocol.GuardEvent;
import dev.glean.core.protocol.GuardReport;
import dev.glean.core.protocol.Launch;
import dev.glean.core.protocol.LogChunk;
import dev.glean.core.protocol.Protocol;
import dev.glean.core.resources.Resources;
import dev.glean.core.runtime.ContainerPhase;
import dev.glean.core.store.StoreTx;
import dev.glean.core.store.StoreView;
import dev.glean.core.store.Storage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The controller's side of the agent protocol. A report is applied in one transaction (node record, log
 * chunks, container states through the state machine) and answered with the node's desired state.
 */
public final class AgentService {
    private static final Duration MAX_REPORT_WAIT = Duration.ofSeconds(20);
    /** Computed once: Duration.dividedBy goes through BigDecimal, which was a tenth of the garbage per report. */
    private final Duration maxReportWait;
    static final Duration UNSTARTED_STOP_WAIT = Duration.ofSeconds(5);
    /**
     * How often an unchanged node's stored record is rewritten just to move its last-seen time. The API shows the
     * registry's time of the last report; the stored one only matters until a restarted controller hears from the node,
     * so a rare refresh is enough (at 10,000 nodes every 30 s was 333 writes a second). At most this long: each node's
     * own period, {@link #recordRefresh}, is spread over its second half.
     */
    public static final Duration NODE_RECORD_REFRESH = Duration.ofMinutes(5);

    private final Storage storage;
    private final TaskTransitions transitions;
    private final NodeRegistry registry;
    private final ChangeFeed feed;
    private final Clock clock;
    private final ControllerSettings settings;
    private final long epoch;
    private final Runnable onCapacityChange;
    private final ReportSnapshots snapshots = new ReportSnapshots();

    public AgentService(Storage storage, TaskTransitions transitions, NodeRegistry registry, ChangeFeed feed, Clock clock,
            ControllerSettings settings, long epoch, Runnable onCapacityChange) {
        this.storage = storage;
        this.transitions = transitions;
        this.registry = registry;
        this.feed = feed;
        this.clock = clock;
        this.settings = settings;
        Duration quarter = settings.lease().dividedBy(4);
        this.maxReportWait = quarter.compareTo(MAX_REPORT_WAIT) > 0 ? MAX_REPORT_WAIT : quarter;
        this.epoch = epoch;
        this.onCapacityChange = onCapacityChange;
    }

    public DesiredState report(AgentReport r) {
        if (r.protocolVersion() != Protocol.VERSION) {
            registry.countReport(false);
            throw GleanException.invalid("agent protocol version " + r.protocolVersion() + " is not supported (controller speaks "
                    + Protocol.VERSION + ")");
        }
        if (!Node.isValidName(r.node())) {
            registry.countReport(false);
            throw GleanException.invalid("node name must match " + Node.NAME_RULE + ": '" + r.node() + "'");
        }
        return answer(r, true);
    }

    /**
     * The answer to a report that changes nothing durable, from memory alone (the node's {@link ReportSnapshots
     * snapshot}), without blocking; null when the report needs the store — then hand it to {@link #report}. Applied
     * exactly as {@link #report} applies it.
     */
    public DesiredState reportInMemory(AgentReport r) {
        if (r.protocolVersion() != Protocol.VERSION || !Node.isValidName(r.node())) {
            return null;
        }
        return answer(r, false);
    }

    private DesiredState answer(AgentReport r, boolean mayUseStore) {
        Instant now = clock.instant();
        String node = r.node();
        // Both read before any store read: a snapshot taken after them is at least as new as they say.
        long version = feed.nodeVersion(node);
        long generation = snapshots.generation(node);
        NodeRegistry.Live live = registry.get(node);
        if (live == null) {
            if (!mayUseStore) {
                return null;
            }
            registry.known(node, now);
            live = registry.get(node);
        }
        Instant previousReport = live.lastReportAt();
        boolean containersEnded = endedSince(live.containers(), r.containers());
        GuardReport guard = r.guardOrNone();
        Map<String, Long> guardActions = new HashMap<>();
        long[] guardStored = {0};
        Set<String> touched = new HashSet<>();
        boolean[] changed = {false};
        // Most reports change nothing durable (same node record, no log bytes, no new guard events, no container
        // changing state): those are answered from the node's snapshot or a read of the store, beside other reads,
        // without queueing for the one writer. A report racing the loop's lost-node write may see the node READY one
        // report longer; the next one repairs it (the loss bumps the node's version, which drops the snapshot).
        // A node whose lease ran out may be declared lost by the loop right now: its report takes the write path, which
        // sees that decision (a read snapshot from before it would hand the node the tasks just requeued elsewhere).
        boolean leaseHolds = previousReport != null && !previousReport.plus(settings.lease()).isBefore(now);
        boolean readOnly = leaseHolds && r.logs().isEmpty() && !hasGuardEventsToStore(r);
        AfterCommit[] after = {new AfterCommit()};
        DesiredState d = null;
        StoreView snapshot = readOnly ? snapshots.current(node, version, generation, now) : null;
        if (snapshot != null) {
            try {
                d = apply(snapshot, null, r, now, previousReport, version, touched, changed, guardStored, guardActions, after[0]);
            } catch (ReportSnapshots.Miss miss) {
                d = null;
            }
        }
        if (d == null) {
            if (!mayUseStore) {
                return null;
            }
            // Seen before the transaction: the lease check of the scheduling loop re-reads this inside its own.
            registry.touch(node, now);
            if (readOnly) {
                after[0] = new AfterCommit();
                d = storage.read(view -> {
                    ReportSnapshots.Recording rec = snapshots.recording(view, node);
                    DesiredState answer = apply(rec, null, r, now, previousReport, version, touched, changed, guardStored,
                            guardActions, after[0]);
                    if (answer != null) {
                        snapshots.keep(rec, r.containers(), version, generation, now);
                    }
                    return answer;
                });
            }
            if (d == null) {
                after[0] = new AfterCommit();
                try {
                    d = storage.write(tx -> apply(tx, tx, r, now, previousReport, version, touched, changed, guardStored,
                            guardActions, after[0]));
                } finally {
                    snapshots.invalidate(node);
                }
            }
        }
        after[0].applyTo(registry, node, now);
        registry.reported(node, r.instance(), r.sentAt(), r.sample(), r.containers(), now);
        registry.guardReported(node, r.instance(), guard.admitting(), guard.admissionReason(), guardStored[0], guardActions);
        registry.countReport(true);
        touched.forEach(feed::bumpNode);
        if (changed[0]) {
            feed.bump();
        }
        // The loop runs every cycle anyway; it is woken early only when room may have appeared or tasks moved
        // (waking it on every report made it rescan every node thousands of times a second).
        if (changed[0] || !touched.isEmpty() || containersEnded) {
            onCapacityChange.run();
        }
        return d;
    }

    /**
     * Applies a report and computes the answer. With {@code tx} null it only reads, and returns null as soon as the
     * report needs a write (a node record to store, a container whose task changes state).
     */
    private DesiredState apply(StoreView v, StoreTx tx, AgentReport r, Instant now, Instant previousReport, long version,
            Set<String> touched, boolean[] changed, long[] guardStored, Map<String, Long> guardActions, AfterCommit after) {
        if (tx == null) {
            if (nodeNeedsWrite(v.node(r.node()), r, now)) {
                return null;
            }
            guardStored[0] = registry.guardStored(r.node(), r.instance()).orElse(0);
        } else {
            changed[0] |= upsertNode(tx, r, now, previousReport);
            guardActions.clear();
            GuardEventLog.Stored g = GuardEventLog.store(tx, registry, r, now, guardActions);
            guardStored[0] = g.seq();
            changed[0] |= g.appended() > 0;
        }
        Map<String, Long> offsets = new HashMap<>();
        if (tx != null) {
            storeLogs(tx, r.logs(), offsets);
        }
        List<String> ack = new ArrayList<>();
        Map<String, Job> jobs = new HashMap<>();
        for (ContainerReport c : r.containers()) {
            AttemptId id;
            try {
                id = AttemptId.parse(c.attemptId());
            } catch (GleanException e) {
                continue;
            }
            Job job = jobs.computeIfAbsent(id.jobId(), j -> v.job(j).orElse(null));
            Task task = job == null ? null : job.task(id.index());
            boolean current = task != null && task.attempts() == id.attempt() && task.state().onNode() && r.node().equals(task.node());
            if (current) {
                TaskEvent ev = eventFor(c, now, task, registry.stopping(r.node(), c.attemptId()));
                if (ev != null && tx == null) {
                    return null;
                }
                if (ev instanceof TaskEvent.Evicted) {
                    after.evictions++;
                }
                if (ev != null && transitions.apply(tx, job, task, ev, touched) instanceof Transition.Changed) {
                    changed[0] = true;
                    Job refreshed = tx.job(id.jobId()).orElseThrow();
                    jobs.put(id.jobId(), refreshed);
                    task = refreshed.task(id.index());
                    current = task.attempts() == id.attempt() && task.state().onNode();
                }
            }
            long stored = offsets.computeIfAbsent(c.attemptId(), v::logSize);
            boolean logsComplete = stored >= c.logSize() || stored >= settings.maxLogBytesPerAttempt();
            if (c.phase() == ContainerPhase.EXITED && !current && logsComplete) {
                ack.add(c.attemptId());
            }
        }
        List<Map.Entry<String, NodeRegistry.Stop>> unstarted = dueUnstarted(r, now);
        if (tx == null && !unstarted.isEmpty()) {
            return null;
        }
        if (tx != null) {
            displace(tx, r, unstarted, now, touched, changed, after);
        }
        after.stopped.addAll(ack);
        return desired(v, r.node(), version, offsets, ack, guardStored[0]);
    }

    /** Whether the report carries guard events this controller has not stored yet (then it takes the write path). */
    private boolean hasGuardEventsToStore(AgentReport r) {
        var events = r.guardOrNone().events();
        if (events.isEmpty()) {
            return false;
        }
        var known = registry.guardStored(r.node(), r.instance());
        long newest = events.stream().mapToLong(GuardEvent::seq).max().orElse(0);
        return known.isEmpty() || newest > known.getAsLong();
    }

    /** Whether a container the node held at its last report is gone or has ended now: its room may be free. */
    private static boolean endedSince(List<ContainerReport> before, List<ContainerReport> now) {
        if (before.isEmpty()) {
            return false;
        }
        Map<String, ContainerPhase> phases = new HashMap<>();
        for (ContainerReport c : now) {
            phases.put(c.attemptId(), c.phase());
        }
        for (ContainerReport c : before) {
            ContainerPhase p = phases.get(c.attemptId());
            if (c.phase() != ContainerPhase.EXITED && (p == null || p == ContainerPhase.EXITED)) {
                return true;
            }
        }
        return false;
    }

    /** The longest a report's answer may be held: a quarter of the lease it renews, at most 20 s. */
    public Duration maxReportWait() {
        return maxReportWait;
    }

    /**
     * {@code prior} (a report's answer that was held) brought up to the node's current desired state, keeping its
     * acknowledgements (log offsets, exited containers, guard events): they are about the report, which is applied.
     * May read the store.
     */
    public DesiredState refreshed(DesiredState prior) {
        String node = prior.node();
        long generation = snapshots.generation(node);
        return desiredNow(node, feed.nodeVersion(node), generation, prior.logOffsets(), prior.ack(), prior.guardEventsAck());
    }

    /**
     * The node's desired state at {@code version}, from its snapshot when that still holds for these counters (read
     * before the version), else from the store.
     */
    private DesiredState desiredNow(String node, long version, long generation, Map<String, Long> offsets, List<String> ack,
            long guardEventsAck) {
        StoreView snapshot = snapshots.current(node, version, generation, clock.instant());
        if (snapshot != null) {
            try {
                return desired(snapshot, node, version, offsets, ack, guardEventsAck);
            } catch (ReportSnapshots.Miss miss) {
                // read the store below
            }
        }
        return storage.read(view -> desired(view, node, version, offsets, ack, guardEventsAck));
    }

    /** Long-poll: answers once the node's desired state changed after {@code seen}, or after {@code wait}. */
    public DesiredState awaitDesired(String node, long seenEpoch, long seen, Duration wait) throws InterruptedException {
        if (!Node.isValidName(node)) {
            throw GleanException.invalid("node name must match " + Node.NAME_RULE + ": '" + node + "'");
        }
        // An agent that last heard from another controller term answers at once: its versions mean nothing here.
        long generation = snapshots.generation(node);
        long v = seenEpoch != epoch ? feed.nodeVersion(node) : feed.awaitNodeChange(node, seen, wait);
        // A poll that ran out unchanged is answered from the node's snapshot, as its reports are.
        return desiredNow(node, v, generation, Map.of(), List.of(), registry.guardStored(node));
    }

    /**
     * An attempt asked to stop that the node does not hold — placed, but the node never created it — is displaced
     * once the node has reported without it for {@link #UNSTARTED_STOP_WAIT}: long enough that a launch the node took
     * just before the stop shows up in its reports first (and is then stopped like any other).
     */
    /** Whether {@link #displaceUnstarted} has anything to do for this report (then the report takes the write path). */
    /** Stops the node was asked for whose attempts it does not hold, older than {@link #UNSTARTED_STOP_WAIT}. */
    private List<Map.Entry<String, NodeRegistry.Stop>> dueUnstarted(AgentReport r, Instant now) {
        Map<String, NodeRegistry.Stop> stops = registry.stops(r.node());
        if (stops.isEmpty()) {
            return List.of();
        }
        Set<String> held = new HashSet<>();
        r.containers().forEach(c -> held.add(c.attemptId()));
        List<Map.Entry<String, NodeRegistry.Stop>> due = new ArrayList<>();
        for (var e : stops.entrySet()) {
            if (!held.contains(e.getKey()) && !e.getValue().at().plus(UNSTARTED_STOP_WAIT).isAfter(now)) {
                due.add(e);
            }
        }
        return due;
    }

    private void displace(StoreTx tx, AgentReport r, List<Map.Entry<String, NodeRegistry.Stop>> due, Instant now, Set<String> touched,
            boolean[] changed, AfterCommit after) {
        for (var e : due) {
            after.stopped.add(e.getKey());
            AttemptId id = AttemptId.parse(e.getKey());
            Job job = tx.job(id.jobId()).orElse(null);
            Task task = job == null ? null : job.task(id.index());
            if (task != null && task.attempts() == id.attempt() && task.state().onNode() && r.node().equals(task.node())
                    && transitions.apply(tx, job, task, new TaskEvent.Displaced(e.getValue().reason(), now), touched)
                            instanceof Transition.Changed) {
                changed[0] = true;
            }
        }
    }

    /**
     * What a report changes in the registry, applied only once its transaction committed: a rolled-back report must
     * neither forget a stop (the attempt would be launched again) nor count an eviction.
     */
    private static final class AfterCommit {
        final List<String> stopped = new ArrayList<>();
        int evictions;

        void applyTo(NodeRegistry registry, String node, Instant now) {
            stopped.forEach(id -> registry.stopped(node, id));
            for (int i = 0; i < evictions; i++) {
                registry.evicted(node, now);
            }
        }
    }

    /** {@code stopReason}: why this controller asked the node to stop the attempt (null: it did not). */
    private static TaskEvent eventFor(ContainerReport c, Instant now, Task task, String stopReason) {
        return switch (c.phase()) {
            case CREATED -> null;
            // Times are the controller's own: timeouts compare them with its clock, and node clocks may be skewed.
            case RUNNING, PAUSED -> task.state() == dev.glean.core.job.JobState.PLACED ? new TaskEvent.Started(now) : null;
            case EXITED -> c.stoppedForLease()
                    ? new TaskEvent.Lost("the node stopped it when its lease ran out", now)
                    // Stopped as asked, even if it exits 0 on TERM; a job that finished on its own as the stop was
                    // being sent keeps its success.
                    : stopReason != null && (!Integer.valueOf(0).equals(c.exitCode())
                            || ContainerReport.NO_LONGER_DESIRED.equals(c.reason()))
                    ? new TaskEvent.Displaced(stopReason, now)
                    : c.evicted()
                    ? new TaskEvent.Evicted(c.reason().substring(ContainerReport.EVICTED.length()), now)
                    : c.startedAt() == null
                    ? new TaskEvent.LaunchFailed(c.reason() == null ? "never started" : c.reason(), now)
                    : c.exitCode() != null
                    ? new TaskEvent.Exited(c.exitCode(), now)
                    : new TaskEvent.LaunchFailed(c.reason() == null ? "ended without an exit code" : c.reason(), now);
        };
    }

    /**
     * How often this node's unchanged record is rewritten: between half of {@link #NODE_RECORD_REFRESH} and all of it,
     * fixed per node by its name. A fleet that registered together (or came back to a restarted controller together)
     * would otherwise rewrite together, every period: 10,000 writes in the seconds it took them to join.
     */
    static Duration recordRefresh(String node) {
        long h = node.hashCode() * 0x9E3779B97F4A7C15L; // names differ in a digit or two: mix their hashes apart
        h ^= h >>> 31;
        double u = (h >>> 11) * 0x1.0p-53;
        return Duration.ofMillis((long) (NODE_RECORD_REFRESH.toMillis() * (0.5 + 0.5 * u)));
    }

    /** Whether the report changes the node's record: new, back from LOST, restarted, relabelled, resized, or due a refresh. */
    private static boolean nodeNeedsWrite(Optional<Node> existing, AgentReport r, Instant now) {
        if (existing.isEmpty()) {
            return true;
        }
        Node n = existing.get();
        Resources capacity = r.sample() != null ? r.sample().capacity() : n.capacity();
        return n.status() != NodeStatus.READY
                || (r.instance() != null && !r.instance().equals(n.agentInstance()))
                || !n.labels().equals(r.labels()) || !java.util.Objects.equals(n.capacity(), capacity)
                || n.lastSeenAt() == null || n.lastSeenAt().plus(recordRefresh(n.name())).isBefore(now);
    }

    private boolean upsertNode(StoreTx tx, AgentReport r, Instant now, Instant previousReport) {
        Optional<Node> existing = tx.node(r.node());
        Resources capacity = r.sample() != null ? r.sample().capacity()
                : existing.map(Node::capacity).orElse(Resources.ZERO);
        if (existing.isEmpty()) {
            tx.upsertNode(new Node(r.node(), r.labels(), NodeStatus.READY, false, capacity, r.instance(), now, now));
            tx.append(Event.node(now, "node-registered", r.node(), "first report from agent " + r.instance()));
            return true;
        }
        Node n = existing.get();
        boolean back = n.status() != NodeStatus.READY;
        boolean restarted = r.instance() != null && !r.instance().equals(n.agentInstance());
        if (nodeNeedsWrite(existing, r, now)) {
            tx.upsertNode(new Node(n.name(), r.labels(), NodeStatus.READY, n.cordoned(), capacity, r.instance(), n.registeredAt(), now));
        }
        if (back) {
            tx.append(Event.node(now, "node-ready", r.node(), "reporting again after " + n.status()));
        } else if (restarted) {
            tx.append(Event.node(now, "agent-restarted", r.node(), "agent instance " + r.instance() + " replaced " + n.agentInstance()
                    + (previousReport != null ? "; previous report at " + previousReport : "")));
        }
        return back;
    }

    private void storeLogs(StoreTx tx, List<LogChunk> chunks, Map<String, Long> offsets) {
        long cap = settings.maxLogBytesPerAttempt();
        for (LogChunk ch : chunks) {
            if (ch.data() == null || ch.offset() < 0) {
                continue;
            }
            long size = tx.logSize(ch.attemptId());
            if (size >= cap) {
                // Past the cap the rest is dropped; say we hold it so the agent stops resending.
                offsets.put(ch.attemptId(), Math.max(size, ch.offset() + ch.data().length));
                continue;
            }
            byte[] data = ch.data();
            if (size + data.length > cap) {
                data = java.util.Arrays.copyOf(data, (int) (cap - size));
            }
            long after = tx.appendLog(ch.attemptId(), ch.offset(), data);
            offsets.put(ch.attemptId(), after >= cap ? ch.offset() + ch.data().length : after);
        }
    }

    private DesiredState desired(StoreView v, String node, long version, Map<String, Long> offsets, List<String> ack,
            long guardEventsAck) {
        List<Launch> run = new ArrayList<>();
        Map<String, Job> jobs = new HashMap<>();
        for (Task t : v.tasksOnNode(node)) {
            if (!t.state().onNode()) {
                continue;
            }
            Job job = jobs.computeIfAbsent(t.jobId(), id -> v.job(id).orElse(null));
            if (job != null && !registry.isStopping(node, t.attemptId())) {
                run.add(Launches.of(job, t));
            }
        }
        return new DesiredState(Protocol.VERSION, node, version, epoch, settings.lease().toMillis(), run, ack, offsets,
                registry.estimate(node, v.node(node).map(Node::labels).orElse(Map.of()), clock.instant()).lendableMemory(),
                guardEventsAck);
    }
}
