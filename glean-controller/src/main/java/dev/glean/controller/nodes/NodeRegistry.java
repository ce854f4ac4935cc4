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
        private volatile Instant lastReportAt;
        private volatile String instance;
        private volatile List<ContainerReport> containers = List.of();
        /** Attempts this controller asked the node to stop (attempt id -> why and when); not kept across restarts. */
        private final Map<String, Stop> stopping = new ConcurrentHashMap<>();
        /** When the node's guard evicted something, oldest first, within {@link #EVICTION_MEMORY}. */
        private final java.util.ArrayDeque<Instant> evictions = new java.util.ArrayDeque<>();

        Live(Instant seen, IncumbentHistory history) {
            this.lastReportAt = seen;
            this.history = history;
        }

        public Instant lastReportAt() {
            return lastReportAt;
        }

        public String instance() {
            return instance;
        }

        public List<ContainerReport> containers() {
            return containers;
        }

        public synchronized NodeSample latest() {
            return history.latest();
        }
    }

    /** How long an eviction counts against a node's risk. */
    public static final java.time.Duration EVICTION_MEMORY = java.time.Duration.ofHours(6);

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
        l.lastReportAt = now;
    }

    public Live get(String node) {
        return live.get(node);
    }

    public Map<String, Live> all() {
        return Map.copyOf(live);
    }

    public void reported(String node, String instance, NodeSample sample, List<ContainerReport> containers, Instant now) {
        Live l = live.computeIfAbsent(node, n -> newLive(now));
        synchronized (l) {
            l.lastReportAt = now;
            l.instance = instance;
            l.containers = List.copyOf(containers);
            if (sample != null) {
                l.history.record(sample);
            }
        }
    }

    /** What the node lends now under the lending rules that match its name and labels. */
    public CapacityEstimate estimate(String node, Map<String, String> labels, Instant now) {
        Live l = live.get(node);
        if (l == null) {
            return CapacityEstimate.nothing(dev.glean.core.resources.Resources.ZERO, "never reported");
        }
        synchronized (l) {
            // Staleness by when the report arrived on our clock; the forecast on the agent's own (node clocks may be skewed).
            return estimator.estimate(l.history, l.lastReportAt, policies.forNode(node, labels), now);
        }
    }
}
