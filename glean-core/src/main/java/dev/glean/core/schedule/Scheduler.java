package dev.glean.core.schedule;

import dev.glean.core.resources.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * (nodes, queue, last cycle's reservations) -> placements, preemptions and reservations.
 *
 * <p>Order: tasks holding a reservation first (on their node, once they fit); then by priority, highest first; within
 * one priority, tenants take turns by weighted dominant-resource fair share (the tenant whose larger share of the
 * cluster's lendable CPU or memory, over its weight, is smallest goes next; DRF progressive filling), and each
 * tenant's tasks go oldest first. A task that fits nowhere does not block the ones behind it (backfill); if it has
 * waited {@code reserveAfter}, a node is reserved for it and drains (oldest waiters first), so it is not starved
 * forever; with preemption on, a higher-priority task may instead stop lower-priority ones.
 *
 * <p>Where: among the nodes that match the task's label constraints and admit it (CPU within lendable x over-commit,
 * memory within lendable), by risk tier first (long or large tasks try stable nodes first, short small ones risky
 * nodes first), then by score: bin-pack (least room left) or spread (most), plus the node's risk for tasks that
 * care.
 *
 * <p>No scan of all nodes per task: per distinct constraint set (built once a cycle, on first use) and risk tier the
 * nodes sit in a {@link RoomGrid} of CPU-room x memory-room buckets. A search takes {@code candidates} nodes from the
 * best cells that fit as a whole (one mask operation per row), and checks nodes one by one only in the request's
 * own row and column, and only when whole cells offer nothing: then, once those are exhausted, nothing fits.
 * Within a cycle room only shrinks, so a request shape that fit nowhere in a tier is remembered per constraint set
 * and tier, and any task at least as big skips that tier at once.
 */
public final class Scheduler {
    private final CapacityEstimator estimator;
    private final SchedulerSettings settings;

    public Scheduler(CapacityEstimator estimator) {
        this(estimator, SchedulerSettings.DEFAULTS);
    }

    public Scheduler(CapacityEstimator estimator, SchedulerSettings settings) {
        this.estimator = estimator;
        this.settings = settings;
    }

    public SchedulerSettings settings() {
        return settings;
    }

    public ScheduleResult schedule(List<NodeView> nodes, List<PendingTask> queue, List<Reservation> reservations, Instant now,
            int maxPlacements) {
        Round r = start(nodes, queue, reservations, now, maxPlacements);
        while (r.step() != null) {
            // each step decides one task
        }
        return r.finish();
    }

    /** A cycle taken one decision at a time ({@link Round#step}), for callers that time or interleave decisions. */
    public Round start(List<NodeView> nodes, List<PendingTask> queue, List<Reservation> reservations, Instant now, int maxPlacements) {
        return new Round(nodes, queue, reservations, now, maxPlacements);
    }

    private enum Tier { STABLE, MIXED, RISKY }

    /** Which risk tiers a task tries, in order; tiers in one group compete by score. */
    private static final Tier[][] STABLE_FIRST = {{Tier.STABLE}, {Tier.MIXED}, {Tier.RISKY}};
    private static final Tier[][] RISKY_FIRST = {{Tier.RISKY}, {Tier.MIXED}, {Tier.STABLE}};
    private static final Tier[][] ANY = {{Tier.STABLE, Tier.MIXED, Tier.RISKY}};

    /** The nodes that match one constraint set, per tier, with the request shapes that fit none of a tier's this cycle. */
    private static final class Matching {
        final RoomGrid[] tiers = {new RoomGrid(), new RoomGrid(), new RoomGrid()};
        final List<NodeSlot> members = new ArrayList<>();
        /** Per tier, minimal failed (cpu, mem) shapes: anything at least as big in both fails too. */
        @SuppressWarnings("unchecked")
        final List<long[]>[] failed = new List[] {new ArrayList<>(), new ArrayList<>(), new ArrayList<>()};

        boolean knownToFail(Tier tier, long cpu, long mem) {
            for (long[] f : failed[tier.ordinal()]) {
                if (cpu >= f[0] && mem >= f[1]) {
                    return true;
                }
            }
            return false;
        }

        boolean knownToFail(long cpu, long mem) {
            for (Tier t : Tier.values()) {
                if (!knownToFail(t, cpu, mem)) {
                    return false;
                }
            }
            return true;
        }

        void fail(Tier tier, long cpu, long mem) {
            List<long[]> f = failed[tier.ordinal()];
            f.removeIf(x -> x[0] >= cpu && x[1] >= mem);
            if (f.size() < 64) {
                f.add(new long[] {cpu, mem});
            }
        }
    }

    private static final class Tenant {
        final String name;
        final double weight;
        final Resources quota;
        long cpu;
        long mem;

        Tenant(String name, double weight, Resources quota) {
            this.name = name;
            this.weight = weight;
            this.quota = quota;
        }
    }

    /** One tenant's tasks at one priority, oldest first. */
    private record Line(Tenant tenant, ArrayDeque<PendingTask> tasks) {}

    public final class Round {
        private final Instant now;
        private final int maxPlacements;
        private final List<NodeSlot> slots = new ArrayList<>();
        private final Map<String, NodeSlot> byName = new HashMap<>();
        private final Map<Map<String, String>, Matching> matching = new HashMap<>();
        private final Map<String, Tenant> tenants = new HashMap<>();
        private final double totalCpu;
        private final double totalMem;
        private final int lowestRunningPriority;
        /** Priorities, highest first, each with its tenants' lines. */
        private final ArrayDeque<List<Line>> levels = new ArrayDeque<>();
        private final PriorityQueue<Line> turn = new PriorityQueue<>(
                Comparator.comparingDouble((Line l) -> share(l.tenant())).thenComparing(l -> l.tenant().name));
        /** Tasks holding a valid reservation, with their node. */
        private final ArrayDeque<Map.Entry<PendingTask, Reservation>> owners = new ArrayDeque<>();
        private final List<Reservation> held = new ArrayList<>();
        private final List<PendingTask> reservationCandidates = new ArrayList<>();
        private final Map<TaskKey, Integer> outcomeAt = new HashMap<>();
        private final Set<TaskKey> victims = new HashSet<>();
        private final List<Outcome> outcomes = new ArrayList<>();
        private final RoomGrid.Search search = new RoomGrid.Search();
        private int placements;
        private int preemptionSearches;
        private long examined;
        private int maxExamined;
        private boolean finished;

        private Round(List<NodeView> nodes, List<PendingTask> queue, List<Reservation> reservations, Instant now, int maxPlacements) {
            this.now = now;
            this.maxPlacements = maxPlacements;
            double cpuSum = 0;
            double memSum = 0;
            int lowest = Integer.MAX_VALUE;
            for (NodeView n : nodes) {
                for (RunningTask r : n.running()) {
                    Tenant t = tenant(r.tenant());
                    t.cpu += r.request().cpu().value();
                    t.mem += r.request().memory().value();
                }
                if (!n.schedulable() || n.estimate().stale() || byName.containsKey(n.name())) {
                    continue;
                }
                for (RunningTask r : n.running()) {
                    lowest = Math.min(lowest, r.priority());
                }
                NodeSlot s = new NodeSlot(slots.size(), n, estimator.cpuLimit(n.estimate()).value(), n.estimate().lendableMemory().value(),
                        tier(n.risk()).ordinal());
                slots.add(s);
                byName.put(n.name(), s);
                cpuSum += s.cpuLimit;
                memSum += s.memLimit;
            }
            this.totalCpu = cpuSum;
            this.totalMem = memSum;
            this.lowestRunningPriority = lowest;

            Map<TaskKey, PendingTask> pending = new HashMap<>();
            for (PendingTask t : queue) {
                pending.putIfAbsent(t.key(), t);
            }
            Set<TaskKey> owning = new HashSet<>();
            int drains = 0;
            for (Reservation r : reservations) {
                PendingTask t = pending.get(r.key());
                NodeSlot s = byName.get(r.node());
                boolean drain = r.kind() == Reservation.Kind.DRAIN;
                // A reservation lapses when its task is gone, or its node can no longer take it even empty. Only drains
                // count against the limit: preemptions are bounded per cycle and end once their victims are gone.
                if (t == null || s == null || s.reservedFor != null || owning.contains(r.key()) || (drain && drains >= settings.maxReservations())
                        || !s.view.matches(t.constraints()) || t.request().cpu().value() > s.cpuLimit
                        || t.request().memory().value() > s.memLimit) {
                    continue;
                }
                s.reservedFor = r.key();
                owning.add(r.key());
                held.add(r);
                drains += drain ? 1 : 0;
                owners.add(Map.entry(t, r));
            }

            List<PendingTask> rest = new ArrayList<>(pending.size());
            for (PendingTask t : queue) {
                if (!owning.contains(t.key()) && pending.get(t.key()) == t) {
                    rest.add(t);
                }
            }
            rest.sort(Comparator.comparingInt(PendingTask::priority).reversed().thenComparing(PendingTask::tenant)
                    .thenComparingLong(PendingTask::order).thenComparingInt(PendingTask::index));
            int i = 0;
            while (i < rest.size()) {
                int prio = rest.get(i).priority();
                List<Line> lines = new ArrayList<>();
                while (i < rest.size() && rest.get(i).priority() == prio) {
                    String tenant = rest.get(i).tenant();
                    ArrayDeque<PendingTask> tasks = new ArrayDeque<>();
                    while (i < rest.size() && rest.get(i).priority() == prio && rest.get(i).tenant().equals(tenant)) {
                        tasks.add(rest.get(i++));
                    }
                    lines.add(new Line(tenant(tenant), tasks));
                }
                levels.add(lines);
            }
        }

        /** Decides the next task; null when the cycle is done (queue considered or the placement limit reached). */
        public Outcome step() {
            if (finished || placements >= maxPlacements) {
                return null;
            }
            search.examined = 0;
            search.budget = settings.searchBudget();
            search.exhausted = false;
            Outcome o;
            if (!owners.isEmpty()) {
                var e = owners.poll();
                o = decideOwner(e.getKey(), e.getValue());
            } else {
                while (turn.isEmpty()) {
                    if (levels.isEmpty()) {
                        return null;
                    }
                    turn.addAll(levels.poll());
                }
                Line line = turn.poll();
                PendingTask t = line.tasks().poll();
                o = decide(t);
                if (!line.tasks().isEmpty()) {
                    turn.add(line);
                }
            }
            examined += search.examined;
            maxExamined = Math.max(maxExamined, search.examined);
            outcomeAt.put(o.key(), outcomes.size());
            outcomes.add(o);
            return o;
        }

        /** Nodes looked at by the last decision. */
        public int lastExamined() {
            return search.examined;
        }

        /** Grants drain reservations to the longest waiters that fit nowhere, and returns the cycle's result. */
        public ScheduleResult finish() {
            finished = true;
            List<Reservation> out = new ArrayList<>(held);
            long drains = held.stream().filter(r -> r.kind() == Reservation.Kind.DRAIN).count();
            reservationCandidates.sort(Comparator.comparing(PendingTask::queuedAt).thenComparing(Comparator.comparingInt(PendingTask::priority)
                    .reversed()).thenComparingLong(PendingTask::order).thenComparingInt(PendingTask::index));
            for (PendingTask t : reservationCandidates) {
                if (drains >= settings.maxReservations()) {
                    break;
                }
                NodeSlot s = drainTarget(t);
                if (s != null) {
                    drains++;
                    reserve(s, t.key());
                    out.add(new Reservation(t.jobId(), t.index(), s.view.name(), now, Reservation.Kind.DRAIN));
                    outcomes.set(outcomeAt.get(t.key()), new Waiting(t.jobId(), t.index(), Waiting.Reason.RESERVED, s.view.name()));
                }
            }
            int preempted = 0;
            for (Outcome o : outcomes) {
                if (o instanceof Preemption) {
                    preempted++;
                }
            }
            return new ScheduleResult(outcomes, out, new ScheduleResult.Stats(outcomes.size(), placements, preempted, examined, maxExamined));
        }

        private Outcome decideOwner(PendingTask t, Reservation r) {
            NodeSlot s = byName.get(r.node());
            Tenant tenant = tenant(t.tenant());
            if (!withinQuota(tenant, t)) {
                held.remove(r);
                s.reservedFor = null;
                return new Waiting(t.jobId(), t.index(), Waiting.Reason.QUOTA, null);
            }
            if (!s.fits(t.request().cpu().value(), t.request().memory().value())) {
                return new Waiting(t.jobId(), t.index(), Waiting.Reason.RESERVED, s.view.name());
            }
            held.remove(r);
            s.reservedFor = null;
            return place(s, t, tenant);
        }

        private Outcome decide(PendingTask t) {
            Tenant tenant = tenant(t.tenant());
            if (!withinQuota(tenant, t)) {
                return new Waiting(t.jobId(), t.index(), Waiting.Reason.QUOTA, null);
            }
            long cpu = t.request().cpu().value();
            long mem = t.request().memory().value();
            Matching m = matching(t.constraints());
            NodeSlot s = null;
            if (!m.knownToFail(cpu, mem)) {
                s = search(t, m, cpu, mem);
            }
            if (s != null) {
                return place(s, t, tenant);
            }
            if (settings.preemption() && t.priority() > lowestRunningPriority && preemptionSearches < settings.maxPreemptionsPerCycle()) {
                preemptionSearches++;
                Preemption p = preempt(t, m, cpu, mem);
                if (p != null) {
                    return p;
                }
            }
            if (!Duration.between(t.queuedAt(), now).minus(settings.reserveAfter()).isNegative()) {
                reservationCandidates.add(t);
            }
            return new Waiting(t.jobId(), t.index(), search.exhausted ? Waiting.Reason.SEARCH_LIMIT : Waiting.Reason.NO_FIT, null);
        }

        private Placement place(NodeSlot s, PendingTask t, Tenant tenant) {
            long cpu = t.request().cpu().value();
            long mem = t.request().memory().value();
            s.take(cpu, mem);
            tenant.cpu += cpu;
            tenant.mem += mem;
            placements++;
            return new Placement(t.jobId(), t.index(), s.view.name());
        }

        private NodeSlot search(PendingTask t, Matching m, long cpu, long mem) {
            Tier[][] order = leaning(t);
            boolean pack = settings.placing() == SchedulerSettings.Placing.BIN_PACK;
            List<NodeSlot> found = new ArrayList<>(settings.candidates() * 2);
            for (Tier[] group : order) {
                found.clear();
                for (Tier tier : group) {
                    if (m.knownToFail(tier, cpu, mem)) {
                        continue;
                    }
                    int before = found.size();
                    // Tiers that compete share the candidates, so scoring looks at about the same number however many there are.
                    m.tiers[tier.ordinal()].fits(cpu, mem, pack, Math.max(1, settings.candidates() / group.length), found, search);
                    if (search.exhausted) {
                        break;
                    }
                    if (found.size() == before) {
                        m.fail(tier, cpu, mem);
                    }
                }
                if (!found.isEmpty()) {
                    NodeSlot best = null;
                    double bestScore = Double.POSITIVE_INFINITY;
                    for (NodeSlot s : found) {
                        double sc = score(s, cpu, mem, order);
                        if (sc < bestScore || (sc == bestScore && s.id < best.id)) {
                            best = s;
                            bestScore = sc;
                        }
                    }
                    return best;
                }
                if (search.exhausted) {
                    return null;
                }
            }
            return null;
        }

        /** Lower is better: the room the task would leave (bin-pack) or take (spread), plus risk where it matters. */
        private double score(NodeSlot s, long cpu, long mem, Tier[][] order) {
            double memLeft = (s.memRoom - mem) / (double) Math.max(1, s.memLimit);
            double cpuLeft = (s.cpuRoom - cpu) / (double) Math.max(1, s.cpuLimit);
            double left = (memLeft + cpuLeft) / 2;
            double sc = settings.placing() == SchedulerSettings.Placing.BIN_PACK ? left : -left;
            double risk = s.view.risk();
            if (order == STABLE_FIRST) {
                sc += risk;
            } else if (order == RISKY_FIRST) {
                sc -= 0.25 * risk;
            } else {
                sc += 0.25 * risk;
            }
            return sc;
        }

        private Tier[][] leaning(PendingTask t) {
            boolean large = t.request().cpu().compareTo(settings.large().cpu()) >= 0
                    || t.request().memory().compareTo(settings.large().memory()) >= 0;
            Duration run = t.expectedRuntime();
            if (large || (run != null && run.compareTo(settings.longRunning()) >= 0)) {
                return STABLE_FIRST;
            }
            return run != null ? RISKY_FIRST : ANY;
        }

        /**
         * The node where stopping the fewest, lowest-priority, youngest secondaries makes room: victims are taken in
         * that order until the task fits. Looks at every matching node, hence the per-cycle limit on searches.
         */
        private Preemption preempt(PendingTask t, Matching m, long cpu, long mem) {
            NodeSlot best = null;
            List<RunningTask> bestVictims = null;
            int bestTop = Integer.MAX_VALUE;
            long bestFreed = Long.MAX_VALUE;
            for (NodeSlot s : m.members) {
                search.examined++;
                if (s.reservedFor != null || cpu > s.cpuLimit || mem > s.memLimit) {
                    continue;
                }
                List<RunningTask> lower = new ArrayList<>();
                for (RunningTask r : s.view.running()) {
                    if (r.priority() < t.priority() && !victims.contains(new TaskKey(r.jobId(), r.index()))) {
                        lower.add(r);
                    }
                }
                if (lower.isEmpty()) {
                    continue;
                }
                // Youngest first (least work lost); one not started yet is the youngest of all.
                lower.sort(Comparator.comparingInt(RunningTask::priority).thenComparing(RunningTask::startedAt,
                        Comparator.nullsFirst(Comparator.<Instant>reverseOrder())));
                long needCpu = cpu - s.cpuRoom;
                long needMem = mem - s.memRoom;
                List<RunningTask> chosen = new ArrayList<>();
                int top = Integer.MIN_VALUE;
                long freed = 0;
                for (RunningTask r : lower) {
                    if (needCpu <= 0 && needMem <= 0) {
                        break;
                    }
                    chosen.add(r);
                    needCpu -= r.request().cpu().value();
                    needMem -= r.request().memory().value();
                    freed += r.request().memory().value();
                    top = Math.max(top, r.priority());
                }
                if (needCpu > 0 || needMem > 0) {
                    continue;
                }
                boolean better = best == null || top < bestTop || (top == bestTop && chosen.size() < bestVictims.size())
                        || (top == bestTop && chosen.size() == bestVictims.size() && freed < bestFreed);
                if (better) {
                    best = s;
                    bestVictims = chosen;
                    bestTop = top;
                    bestFreed = freed;
                }
            }
            if (best == null) {
                return null;
            }
            for (RunningTask r : bestVictims) {
                victims.add(new TaskKey(r.jobId(), r.index()));
            }
            reserve(best, t.key());
            held.add(new Reservation(t.jobId(), t.index(), best.view.name(), now, Reservation.Kind.PREEMPTION));
            return new Preemption(t.jobId(), t.index(), best.view.name(), bestVictims);
        }

        /** The matching node, big enough when empty, that is nearest to having room for the task now. */
        private NodeSlot drainTarget(PendingTask t) {
            long cpu = t.request().cpu().value();
            long mem = t.request().memory().value();
            NodeSlot best = null;
            double bestShort = Double.POSITIVE_INFINITY;
            for (NodeSlot s : matching(t.constraints()).members) {
                if (s.reservedFor != null || cpu > s.cpuLimit || mem > s.memLimit) {
                    continue;
                }
                double missing = Math.max(0, mem - s.memRoom) / (double) Math.max(1, mem)
                        + Math.max(0, cpu - s.cpuRoom) / (double) Math.max(1, cpu) + s.view.risk() / 4;
                if (missing < bestShort) {
                    best = s;
                    bestShort = missing;
                }
            }
            return best;
        }

        private void reserve(NodeSlot s, TaskKey owner) {
            s.leaveAll();
            s.reservedFor = owner;
        }

        private Matching matching(Map<String, String> constraints) {
            Matching m = matching.get(constraints);
            if (m == null) {
                m = new Matching();
                for (NodeSlot s : slots) {
                    if (s.view.matches(constraints)) {
                        m.members.add(s);
                        if (s.reservedFor == null) {
                            m.tiers[s.tier].add(s);
                        }
                    }
                }
                matching.put(constraints, m);
            }
            return m;
        }

        private boolean withinQuota(Tenant tenant, PendingTask t) {
            Resources q = tenant.quota;
            return q == null || (tenant.cpu + t.request().cpu().value() <= q.cpu().value()
                    && tenant.mem + t.request().memory().value() <= q.memory().value());
        }

        private Tenant tenant(String name) {
            return tenants.computeIfAbsent(name, n -> new Tenant(n, settings.weight(n), settings.quotas().get(n)));
        }

        private double share(Tenant t) {
            double c = totalCpu > 0 ? t.cpu / totalCpu : 0;
            double m = totalMem > 0 ? t.mem / totalMem : 0;
            return Math.max(c, m) / t.weight;
        }

        private Tier tier(double risk) {
            return risk < settings.stableBelow() ? Tier.STABLE : risk < settings.riskyFrom() ? Tier.MIXED : Tier.RISKY;
        }
    }
}
