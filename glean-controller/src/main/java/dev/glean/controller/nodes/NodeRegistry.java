package dev.glean.controller.nodes;

import dev.glean.core.forecast.IncumbentHistory;
import dev.glean.core.node.NodeSample;
import dev.glean.core.protocol.ContainerReport;
import dev.glean.core.schedule.CapacityEstimate;
import dev.glean.core.schedule.CapacityEstimator;
import dev.glean.core.schedule.LendingPolicies;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the controller knows of each node that is not worth a transaction: the incumbents' history (a compact
 * summary the estimator forecasts from, fed one reading at a time), the last report's containers and when it came. After a controller restart every known node counts as just seen, so a node is
 * only declared lost a full lease after this controller could first have heard from it.
 */
public final class NodeRegistry {
    private final CapacityEstimator estimator;
    private final LendingPolicies policies;
    private final ConcurrentHashMap<String, Live> live = new ConcurrentHashMap<>();

    public NodeRegistry(CapacityEstimator estimator) {
        this(estimator, LendingPolicies.NONE);
    }

    public NodeRegistry(CapacityEstimator estimator, LendingPolicies policies) {
        this.estimator = estimator;
        this.policies = policies;
    }

    /** Live view of one node; mutated only under its own monitor. */
    public static final class Live {
        private final IncumbentHistory history;
        private final LatestReading reading = new LatestReading();
        /**
         * When the node last reported, epoch nanoseconds on our clock. Numbers, not Instants, here and below: written
         * for every node every second, an Instant would be one more object each young collection copies.
         */
        private volatile long lastReportNanos;
        /** The agent's send time of the newest report recorded (its own clock, epoch nanos; NONE if none). */
        private long lastSentNanos = NONE;
        private volatile String instance;
        private volatile List<ContainerReport> containers = List.of();
        /** Attempts this controller asked the node to stop (attempt id -> why and when); not kept across restarts. */
        private final Map<String, Stop> stopping = new ConcurrentHashMap<>();
        /** When the node's guard evicted something, oldest first, within {@link #EVICTION_MEMORY}. */
        private final java.util.ArrayDeque<Instant> evictions = new java.util.ArrayDeque<>();
        private volatile boolean admitting = true;
        private volatile String admissionReason;
        /** The agent instance whose guard events were stored up to {@code guardStored}. */
        private String guardInstance;
        private long guardStored;
        private final Map<String, Long> guardActions = new java.util.TreeMap<>();

        Live(Instant seen, IncumbentHistory history) {
            this.lastReportNanos = nanos(seen);
            this.history = history;
        }

        public Instant lastReportAt() {
            return instant(lastReportNanos);
        }

        public String instance() {
            return instance;
        }

        public List<ContainerReport> containers() {
            return containers;
        }

        /** What the newest reading said, or null before one. */
        public synchronized LatestReading.Usage usage() {
            return reading.usage();
        }

        /** False while the node's guard takes no new secondaries (memory or threads short); see {@link #admissionReason}. */
        public boolean admitting() {
            return admitting;
        }

        public String admissionReason() {
            return admissionReason;
        }

        /** Guard actions the node reported since this controller started, by kind. */
        public synchronized Map<String, Long> guardActions() {
            return Map.copyOf(guardActions);
        }
    }

    private static final long NONE = Long.MIN_VALUE;

    /** Epoch nanoseconds, saturated (an agent's clock may say anything). */
    static long nanos(Instant t) {
        if (t == null) {
            return NONE;
        }
        long s = t.getEpochSecond();
        if (s >= Long.MAX_VALUE / 1_000_000_000L) {
            return Long.MAX_VALUE;
        }
        if (s <= Long.MIN_VALUE / 1_000_000_000L + 1) {
            return NONE + 1;
        }
        return s * 1_000_000_000L + t.getNano();
    }

    static Instant instant(long nanos) {
        return nanos == NONE ? null : Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }

    /** How long an eviction counts against a node's risk. */
    public static final java.time.Duration EVICTION_MEMORY = dev.glean.core.schedule.EvictionRisk.RECENT;

    /** Asks the node to stop an attempt (it leaves the node's desired state); the reason ends up on the attempt. */
    public void stop(String node, String attemptId, String reason, Instant at) {
        live.computeIfAbsent(node, n -> newLive(at)).stopping.putIfAbsent(attemptId, new Stop(reason, at));
    }

    public record Stop(String reason, Instant at) {}

    /** Why the controller asked for the attempt to stop, or null. */
    public String stopping(String node, String attemptId) {
        Live l = live.get(node);
        Stop s = l == null ? null : l.stopping.get(attemptId);
        return s == null ? null : s.reason();
    }

    /** The node's attempts asked to stop, by attempt id. */
    public Map<String, Stop> stops(String node) {
        Live l = live.get(node);
        return l == null ? Map.of() : Map.copyOf(l.stopping);
    }

    public boolean isStopping(String node, String attemptId) {
        return stopping(node, attemptId) != null;
    }

    /** The attempt ended: forget that it was asked to stop. */
    public void stopped(String node, String attemptId) {
        Live l = live.get(node);
        if (l != null) {
            l.stopping.remove(attemptId);
        }
    }

    public void evicted(String node, Instant at) {
        Live l = live.computeIfAbsent(node, n -> newLive(at));
        synchronized (l.evictions) {
            l.evictions.addLast(at);
            while (l.evictions.size() > 64) {
                l.evictions.removeFirst();
            }
        }
    }

    /** Evictions on the node within {@link #EVICTION_MEMORY} before {@code now}: the scheduler's risk reads them. */
    public int recentEvictions(String node, Instant now) {
        Live l = live.get(node);
        if (l == null) {
            return 0;
        }
        synchronized (l.evictions) {
            Instant since = now.minus(EVICTION_MEMORY);
            while (!l.evictions.isEmpty() && l.evictions.peekFirst().isBefore(since)) {
                l.evictions.removeFirst();
            }
            return l.evictions.size();
        }
    }

    private Live newLive(Instant now) {
        return new Live(now, estimator.newHistory());
    }

    public void known(String node, Instant now) {
        live.computeIfAbsent(node, n -> newLive(now));
    }

    /** Records that a report from the node arrived now (before it is applied). */
    public void touch(String node, Instant now) {
        Live l = live.computeIfAbsent(node, n -> newLive(now));
        l.lastReportNanos = nanos(now);
    }

    public Live get(String node) {
        return live.get(node);
    }

    public Map<String, Live> all() {
        return Map.copyOf(live);
    }

    /** Visits every node without copying the map (weakly consistent: a node added meanwhile may be missed). */
    public void forEach(java.util.function.BiConsumer<String, Live> visitor) {
        live.forEach(visitor);
    }

    /**
     * Records a report's containers and reading; one its agent sent before the newest recorded (same agent instance)
     * only renews the node's last-seen time: an agent that cuts a held report short sends again on a new connection,
     * and the two may be read in either order.
     */
    public void reported(String node, String instance, Instant sentAt, NodeSample sample, List<ContainerReport> containers,
            Instant now) {
        Live l = live.computeIfAbsent(node, n -> newLive(now));
        synchronized (l) {
            l.lastReportNanos = nanos(now);
            long sent = nanos(sentAt);
            if (sent != NONE && l.lastSentNanos != NONE && java.util.Objects.equals(l.instance, instance)
                    && sent < l.lastSentNanos) {
                return;
            }
            l.lastSentNanos = sent;
            // Kept when unchanged: each report's copy would live a second and be copied by a young collection.
            if (!java.util.Objects.equals(l.instance, instance)) {
                l.instance = instance;
            }
            if (!l.containers.equals(containers)) {
                l.containers = List.copyOf(containers);
            }
            if (sample != null && l.history.record(sample)) {
                l.reading.set(sample);
            }
        }
    }

    /**
     * The highest guard event seq of {@code instance} stored in the event log, as far as this controller knows;
     * empty if it has not seen that instance since it started (the caller then looks in the log).
     */
    public java.util.OptionalLong guardStored(String node, String instance) {
        Live l = live.get(node);
        if (l == null) {
            return java.util.OptionalLong.empty();
        }
        synchronized (l) {
            return instance != null && instance.equals(l.guardInstance) ? java.util.OptionalLong.of(l.guardStored)
                    : java.util.OptionalLong.empty();
        }
    }

    /** The highest guard event seq stored of the instance that reported last; 0 if none. */
    public long guardStored(String node) {
        Live l = live.get(node);
        if (l == null) {
            return 0;
        }
        synchronized (l) {
            return l.instance != null && l.instance.equals(l.guardInstance) ? l.guardStored : 0;
        }
    }

    /**
     * The guard part of a report, once its events are stored: the node's admission, the highest seq stored of the
     * instance, and the actions its new events stand for (by kind).
     */
    public void guardReported(String node, String instance, boolean admitting, String reason, long stored,
            Map<String, Long> actions) {
        Live l = live.computeIfAbsent(node, n -> newLive(java.time.Instant.EPOCH));
        synchronized (l) {
            l.admitting = admitting;
            l.admissionReason = admitting ? null : reason;
            if (instance != null && (!instance.equals(l.guardInstance) || stored > l.guardStored)) {
                l.guardInstance = instance;
                l.guardStored = stored;
            }
            actions.forEach((k, v) -> l.guardActions.merge(k, v, Long::sum));
        }
    }

    /** True unless the node's guard said it takes no new secondaries. */
    public boolean admitting(String node) {
        Live l = live.get(node);
        return l == null || l.admitting;
    }

    private final java.util.concurrent.atomic.AtomicLong reports = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong refusedReports = new java.util.concurrent.atomic.AtomicLong();

    /** Counts an agent report: applied, or refused (bad version or node name). */
    public void countReport(boolean applied) {
        (applied ? reports : refusedReports).incrementAndGet();
    }

    public long reports() {
        return reports.get();
    }

    public long refusedReports() {
        return refusedReports.get();
    }

    /** What the node lends now under the lending rules that match its name and labels. */
    public CapacityEstimate estimate(String node, Map<String, String> labels, Instant now) {
        Live l = live.get(node);
        if (l == null) {
            return CapacityEstimate.nothing(dev.glean.core.resources.Resources.ZERO, "never reported");
        }
        synchronized (l) {
            // Staleness by when the report arrived on our clock; the forecast on the agent's own (node clocks may be skewed).
            return estimator.estimate(l.history, l.lastReportAt(), policies.forNode(node, labels), now);
        }
    }
}
