package dev.glean.agent;

import dev.glean.agent.guard.GuardOutbox;
import dev.glean.agent.guard.RuntimeSecondaries;
import dev.glean.api.PrometheusText;
import dev.glean.core.agent.AgentAction;
import dev.glean.core.agent.Reconciler;
import dev.glean.core.error.GleanException;
import dev.glean.core.node.NodeSample;
import dev.glean.core.protocol.AgentReport;
import dev.glean.core.protocol.ContainerReport;
import dev.glean.core.protocol.DesiredState;
import dev.glean.core.protocol.Launch;
import dev.glean.core.protocol.LogChunk;
import dev.glean.core.protocol.Protocol;
import dev.glean.core.resources.Bytes;
import dev.glean.core.runtime.ContainerInfo;
import dev.glean.core.runtime.ContainerPhase;
import dev.glean.core.runtime.ContainerRuntime;
import dev.glean.core.runtime.ContainerSpec;
import dev.glean.core.runtime.ParentLimits;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The node agent: reports readings and containers to the controller, which holds each answer until the node's desired
 * state changes or the report interval passes (its long-poll), and makes the node match it ({@link Reconciler} decides,
 * this class only carries out). It never waits for the controller to protect the node: without a lease it stops
 * everything by itself.
 */
public final class NodeAgent implements AutoCloseable {
    private static final int MAX_LOG_CHUNK = 128 * 1024;
    /** Raw log bytes per report; base64 makes them 4/3 larger, well under the controller's 8 MiB limit for reports. */
    private static final int MAX_LOG_PER_REPORT = 512 * 1024;
    /** Reason given for containers stopped because the lease ran out; the controller treats them as lost, not failed. */
    public static final String LEASE_EXPIRED = dev.glean.core.protocol.ContainerReport.LEASE_EXPIRED;
    /** Without a lease the controller may soon give the work elsewhere: stop fast, not with the full grace. */
    private static final Duration LEASE_STOP_GRACE = Duration.ofSeconds(2);
    /**
     * The guard evicts when memory or threads are short: KILL at once. The incumbents need the memory back within a
     * second, and a container's PID 1 ignores TERM unless it handles it, so a grace would mostly be spent waiting.
     */
    private static final Duration EVICT_GRACE = Duration.ZERO;

    private final AgentSettings settings;
    private final ContainerRuntime runtime;
    private final Function<Collection<String>, NodeSample> sampler;
    private final ControllerLink link;
    private final Clock clock;
    private final AgentLease lease;
    private final String instance = UUID.randomUUID().toString();
    private final PrintStream log;

    private final Semaphore reportWake = new Semaphore(0);
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<String> acked = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> controllerOffsets = new ConcurrentHashMap<>();
    private final Map<String, ContainerInfo> failedStarts = new ConcurrentHashMap<>();
    private final Map<String, String> stopReasons = new ConcurrentHashMap<>();
    private volatile DesiredState desired;
    private volatile Map<String, ContainerPhase> lastPhases = Map.of();
    private volatile long appliedParentMemory = -1;
    private volatile boolean running = true;
    private volatile String lastError;
    private final List<Thread> threads = new ArrayList<>();
    private volatile GuardOutbox guard;
    private volatile java.util.function.Consumer<String> killNow;
    private final AtomicLong answeredReports = new AtomicLong();
    private final AtomicLong reportFailures = new AtomicLong();
    private final AtomicLong reportNanos = new AtomicLong();
    private volatile long lastReportNanos = -1;

    public NodeAgent(AgentSettings settings, ContainerRuntime runtime, Function<Collection<String>, NodeSample> sampler,
            ControllerLink link, Clock clock, PrintStream log) {
        this.settings = settings;
        this.runtime = runtime;
        this.sampler = sampler;
        this.link = link;
        this.clock = clock;
        this.log = log;
        try {
            Files.createDirectories(settings.stateDir());
        } catch (IOException e) {
            throw new GleanException(dev.glean.core.error.ErrorCode.RUNTIME_ERROR, "cannot create " + settings.stateDir() + ": " + e.getMessage());
        }
        this.lease = new AgentLease(settings.stateDir().resolve("lease"), clock);
    }

    public NodeAgent start() {
        NodeSample first = sampler.apply(List.of());
        Bytes reserve = Bytes.max(first.memoryTotal().times(0.10), Bytes.ofMiB(256));
        applyParentMemory(first.memoryAvailable().minus(reserve));
        threads.add(Thread.ofPlatform().name("glean-agent-report").daemon(true).start(this::reportLoop));
        threads.add(Thread.ofPlatform().name("glean-agent-watch").daemon(true).start(this::watchLoop));
        return this;
    }

    /** Forwards the guard's events and admission in every report from now on. */
    public void attachGuard(GuardOutbox outbox) {
        this.guard = outbox;
    }

    public java.nio.file.Path leaseFile() {
        return settings.stateDir().resolve("lease");
    }

    /** The lease this agent renews (the {@link LeaseEnforcer} watches it). */
    public AgentLease lease() {
        return lease;
    }

    public String instance() {
        return instance;
    }

    public String lastError() {
        return lastError;
    }

    /**
     * Reports back to back, each held by the controller for up to the report interval until the node's desired state
     * changes: the answer is the tick and the long-poll at once, over one connection. Something to report now (a
     * container started or ended) cuts the held report short. A report not held (the first, a failed one, an answer
     * without news before its time) waits out the rest of the interval, unless woken.
     */
    private void reportLoop() {
        while (running) {
            long started = System.nanoTime();
            try {
                reportWake.drainPermits();
                link.clearAbort();
                DesiredState held = desired;
                Duration hold = held == null ? Duration.ZERO : settings.reportInterval();
                Answer a = reportOnce(held, hold);
                long left = settings.reportInterval().toNanos() - (System.nanoTime() - started);
                if (a == Answer.SAME && left > 0 || a == Answer.FAILED) {
                    reportWake.tryAcquire(Math.max(left, 0), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                noteError("report: " + e.getMessage());
                sleepQuietly(settings.reportInterval());
            }
        }
    }

    /** How a report ended, for the loop's next step. */
    private enum Answer { NEWS, SAME, ABORTED, FAILED }

    /** Something to tell the controller now: a report held at the controller is cut short. */
    private void reportSoon() {
        reportWake.release();
        link.abortHeld();
    }

    /** One report and the reconcile that follows; public so tests can drive the agent step by step. */
    public void reportOnce() throws InterruptedException {
        reportOnce(null, Duration.ZERO);
    }

    private Answer reportOnce(DesiredState holding, Duration hold) throws InterruptedException {
        List<ContainerInfo> held = held();
        List<String> ids = held.stream().filter(c -> c.phase() != ContainerPhase.EXITED).map(ContainerInfo::id).toList();
        NodeSample sample = sampler.apply(ids);
        List<ContainerReport> reports = new ArrayList<>();
        List<LogChunk> chunks = new ArrayList<>();
        int budget = MAX_LOG_PER_REPORT;
        for (ContainerInfo c : held) {
            long local = failedStarts.containsKey(c.id()) ? 0 : runtime.logSize(c.id());
            long have = controllerOffsets.getOrDefault(c.id(), 0L);
            if (local > have && budget > 0) {
                byte[] data = runtime.readLog(c.id(), have, Math.min(MAX_LOG_CHUNK, budget));
                if (data.length > 0) {
                    chunks.add(new LogChunk(c.id(), have, data));
                    budget -= data.length;
                }
            }
            String reason = c.detail();
            if (c.phase() == ContainerPhase.EXITED && LeaseWatchdog.killed(settings.stateDir(), c.id())) {
                // Marked on disk by this agent or by the watchdog, so it survives an agent restart.
                reason = LEASE_EXPIRED;
            } else if (c.phase() == ContainerPhase.EXITED && stopReasons.containsKey(c.id())) {
                reason = stopReasons.get(c.id());
            }
            reports.add(new ContainerReport(c.id(), c.phase(), c.exitCode(), c.startedAt(), c.finishedAt(), local, reason));
        }
        GuardOutbox outbox = guard;
        long sentAt = clock.millis();
        long sentAtNanos = System.nanoTime();
        AgentReport r = new AgentReport(Protocol.VERSION, settings.node(), instance, settings.labels(), sample, reports, chunks,
                Instant.ofEpochMilli(sentAt), outbox == null ? null : outbox.report());
        DesiredState d;
        try {
            d = link.report(r, holding, hold);
        } catch (GleanException e) {
            reportFailures.incrementAndGet();
            noteError(e.getMessage());
            reconcile();
            return Answer.FAILED;
        }
        if (d == null) {
            return Answer.ABORTED;
        }
        boolean news = holding == null || d.epoch() != holding.epoch() || d.version() != holding.version();
        long took = System.nanoTime() - sentAtNanos;
        if (!news) {
            // Held for want of news: what counts is how late past the hold the answer came.
            took = Math.max(0, took - hold.toNanos());
        }
        answeredReports.incrementAndGet();
        reportNanos.addAndGet(took);
        lastReportNanos = took;
        if (outbox != null) {
            outbox.acknowledge(d.guardEventsAck());
        }
        lastError = null;
        lease.renew(sentAtNanos, sentAt, d.leaseMillis());
        java.util.Set<String> reported = new java.util.HashSet<>();
        held.forEach(c -> reported.add(c.id()));
        // Only for containers this report named: one removed meanwhile must not come back into these maps.
        d.logOffsets().forEach((id, off) -> {
            if (reported.contains(id)) {
                controllerOffsets.put(id, off);
            }
        });
        d.ack().stream().filter(reported::contains).forEach(acked::add);
        accept(d);
        reconcile();
        return news ? Answer.NEWS : Answer.SAME;
    }

    private void watchLoop() {
        boolean wasValid = lease.valid();
        while (running) {
            try {
                Thread.sleep(settings.watchInterval().toMillis());
                Map<String, ContainerPhase> phases = new HashMap<>();
                for (ContainerInfo c : runtime.list()) {
                    phases.put(c.id(), c.phase());
                }
                boolean valid = lease.valid();
                if (!phases.equals(lastPhases)) {
                    lastPhases = phases;
                    reportSoon();
                }
                if (valid != wasValid || (!valid && phases.containsValue(ContainerPhase.RUNNING))) {
                    if (!valid && wasValid) {
                        log.println("glean agent: lease expired (no answer from " + link.current() + "); stopping secondaries");
                    }
                    wasValid = valid;
                    reconcile();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                noteError("watch: " + e.getMessage());
            }
        }
    }

    private void accept(DesiredState d) {
        synchronized (this) {
            DesiredState cur = desired;
            // A new controller term restarts the version counters: its answers win over the old term's.
            if (cur == null || d.epoch() != cur.epoch() || d.version() >= cur.version()) {
                desired = d;
            }
        }
        Bytes lendable = d.lendableMemory();
        if (lendable != null && lendable.value() > 0) {
            long prev = appliedParentMemory;
            if (prev <= 0 || Math.abs(lendable.value() - prev) > prev / 20) {
                applyParentMemory(lendable);
            }
        }
    }

    private void applyParentMemory(Bytes memory) {
        Bytes floor = Bytes.ofMiB(64);
        Bytes m = Bytes.max(memory, floor);
        try {
            runtime.configureParent(new ParentLimits(m, settings.pidsTotal()));
            appliedParentMemory = m.value();
        } catch (GleanException e) {
            noteError("parent limits: " + e.getMessage());
        }
    }

    /** Computes and launches the actions that bring the node to the desired state. */
    private synchronized void reconcile() {
        if (!running) {
            return;
        }
        DesiredState d = desired;
        boolean valid = lease.valid();
        if (d == null && valid) {
            // Not yet heard from the controller since start: keep adopted containers while the old lease holds.
            return;
        }
        List<Launch> want = d == null ? List.of() : d.run();
        // In-flight first, then the listing: a start that completes in between is then both listed and skipped.
        Set<String> flying = Set.copyOf(inFlight);
        List<AgentAction> actions = Reconciler.plan(want, Set.copyOf(acked), held(), flying, valid);
        for (AgentAction a : actions) {
            switch (a) {
                case AgentAction.Start s -> launch(s.launch());
                case AgentAction.Stop s -> async(s.containerId(), () -> {
                    boolean lease = s.reason().equals(LEASE_EXPIRED);
                    if (!stillLive(s.containerId())) {
                        return; // it ended by itself: its own exit code stands
                    }
                    if (lease) {
                        LeaseWatchdog.mark(settings.stateDir(), s.containerId());
                    } else {
                        stopReasons.putIfAbsent(s.containerId(), s.reason());
                    }
                    runtime.stop(s.containerId(), lease && settings.stopGrace().compareTo(LEASE_STOP_GRACE) > 0
                            ? LEASE_STOP_GRACE : settings.stopGrace());
                });
                case AgentAction.Remove r -> async(r.containerId(), () -> {
                    if (failedStarts.remove(r.containerId()) == null) {
                        runtime.remove(r.containerId());
                    }
                    acked.remove(r.containerId());
                    controllerOffsets.remove(r.containerId());
                    stopReasons.remove(r.containerId());
                    LeaseWatchdog.forget(settings.stateDir(), r.containerId());
                });
            }
        }
    }

    /**
     * Stops a container for the node guard; its report then says "evicted: why", which the controller requeues
     * without spending a retry. Its processes get SIGKILL through the cgroup on the caller's thread (the guard's, at
     * normal priority; see {@link #killThroughCgroup}); runc's stop and the bookkeeping follow like any other action.
     */
    public void evict(String containerId, String why) {
        if (killNow != null && stillLive(containerId)) {
            stopReasons.put(containerId, ContainerReport.EVICTED + why);
            try {
                killNow.accept(containerId);
            } catch (RuntimeException e) {
                noteError(containerId + ": " + e.getMessage()); // runc's KILL below still ends it
            }
        }
        async(containerId, () -> {
            if (!stillLive(containerId)) {
                return; // it ended by itself: its own exit code stands (or the kill above ended it, reason set)
            }
            stopReasons.put(containerId, ContainerReport.EVICTED + why);
            runtime.stop(containerId, EVICT_GRACE);
        });
    }

    /**
     * How {@link #evict} kills at once from the caller's thread without spawning a process (e.g. through the
     * container's cgroup): with the agent in the idle class its action threads and the runc they spawn wait for CPU
     * on a saturated node, while the guard's thread does not. Null (the default): runc's stop alone.
     */
    public NodeAgent killThroughCgroup(java.util.function.Consumer<String> kill) {
        this.killNow = kill;
        return this;
    }

    private void launch(Launch l) {
        ContainerSpec spec = new ContainerSpec(l.attemptId(), l.command(), l.env(), l.cpu(), l.memory(), settings.pidsPerJob(),
                l.image(), l.volumes(), Map.of("glean.job", l.jobId(), "glean.task", Integer.toString(l.taskIndex()),
                        "glean.attempt", Integer.toString(l.attempt()), RuntimeSecondaries.PRIORITY, Integer.toString(l.priority())));
        async(l.attemptId(), () -> {
            try {
                runtime.start(spec);
            } catch (GleanException e) {
                if (runtime.list().stream().anyMatch(c -> c.id().equals(l.attemptId()))) {
                    return; // it exists after all (a start raced with this one): report what it really is
                }
                Instant now = clock.instant();
                failedStarts.put(l.attemptId(), new ContainerInfo(l.attemptId(), ContainerPhase.EXITED, null, null, now, 0,
                        e.getMessage(), spec.annotations()));
            }
        });
    }

    private void async(String id, Runnable r) {
        if (!inFlight.add(id)) {
            return;
        }
        Thread.ofVirtual().name("glean-action-" + id).start(() -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                noteError(id + ": " + e.getMessage());
            } finally {
                inFlight.remove(id);
                reportSoon();
            }
        });
    }

    private boolean stillLive(String id) {
        return runtime.list().stream().anyMatch(c -> c.id().equals(id) && c.phase() != ContainerPhase.EXITED);
    }

    private List<ContainerInfo> held() {
        List<ContainerInfo> all = new ArrayList<>(runtime.list());
        for (ContainerInfo f : failedStarts.values()) {
            if (all.stream().noneMatch(c -> c.id().equals(f.id()))) {
                all.add(f);
            }
        }
        return all;
    }

    /** The agent's own numbers for /metrics: reports to the controller and the containers it holds. */
    public void writeMetrics(PrometheusText out) {
        out.family("glean_agent_reports_total", PrometheusText.Type.COUNTER, "Reports the controller answered");
        out.sample(answeredReports.get());
        out.family("glean_agent_report_failures_total", PrometheusText.Type.COUNTER, "Reports that got no answer or were refused");
        out.sample(reportFailures.get());
        out.family("glean_agent_report_latency_seconds_total", PrometheusText.Type.COUNTER,
                "Time from sending a report to its answer (past the controller's hold when it had no news), summed over answered reports (divide by reports_total)");
        out.sample(reportNanos.get() / 1e9);
        out.family("glean_agent_report_latency_last_seconds", PrometheusText.Type.GAUGE, "The last answered report's latency");
        long last = lastReportNanos;
        out.sample(last < 0 ? Double.NaN : last / 1e9);
        out.family("glean_agent_containers", PrometheusText.Type.GAUGE, "Containers the agent holds, by phase");
        Map<ContainerPhase, Long> byPhase = new java.util.EnumMap<>(ContainerPhase.class);
        for (ContainerPhase p : ContainerPhase.values()) {
            byPhase.put(p, 0L);
        }
        lastPhases.values().forEach(p -> byPhase.merge(p, 1L, Long::sum));
        byPhase.forEach((p, n) -> out.sample(n, "phase", p.name()));
        out.family("glean_agent_containers_running", PrometheusText.Type.GAUGE, "Containers running or paused");
        out.sample(byPhase.get(ContainerPhase.RUNNING) + byPhase.get(ContainerPhase.PAUSED));
        out.family("glean_agent_lease_valid", PrometheusText.Type.GAUGE, "1 while the agent holds a valid lease from the controller");
        out.sample(lease.valid() ? 1 : 0);
        GuardOutbox outbox = guard;
        if (outbox != null) {
            out.family("glean_agent_admitting", PrometheusText.Type.GAUGE, "1 while the guard lets the node take new secondaries");
            out.sample(outbox.admitting() ? 1 : 0);
            out.family("glean_agent_guard_events_pending", PrometheusText.Type.GAUGE, "Guard events the controller has not acknowledged");
            out.sample(outbox.pending());
            out.family("glean_agent_guard_events_dropped_total", PrometheusText.Type.COUNTER,
                    "Guard events dropped unsent because too many were unacknowledged");
            out.sample(outbox.dropped());
        }
    }

    private void noteError(String m) {
        if (m != null && !m.equals(lastError)) {
            log.println("glean agent: " + m);
        }
        lastError = m;
    }

    private static void sleepQuietly(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            running = false; // under the reconcile lock: no new action starts after this
        }
        for (Thread t : threads) {
            t.interrupt();
        }
        // A held report sits in a read that interrupts do not reach.
        link.abortHeld();
        for (Thread t : threads) {
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Let actions already under way (a start, a stop) finish, so the node is left in a state a new agent reads right.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
            sleepQuietly(Duration.ofMillis(20));
        }
    }
}
