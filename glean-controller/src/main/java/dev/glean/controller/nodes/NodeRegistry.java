package dev.glean.controller.nodes;

import dev.glean.core.node.NodeSample;
import dev.glean.core.protocol.ContainerReport;
import dev.glean.core.schedule.CapacityEstimate;
import dev.glean.core.schedule.CapacityEstimator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the controller knows of each node that is not worth a transaction: recent readings, the last report's
 * containers and when it came. After a controller restart every known node counts as just seen, so a node is
 * only declared lost a full lease after this controller could first have heard from it.
 */
public final class NodeRegistry {
    private static final int MAX_SAMPLES = 1200;
    private final CapacityEstimator estimator;
    private final ConcurrentHashMap<String, Live> live = new ConcurrentHashMap<>();

    public NodeRegistry(CapacityEstimator estimator) {
        this.estimator = estimator;
    }

    /** Live view of one node; mutated only under its own monitor. */
    public static final class Live {
        private final ArrayDeque<NodeSample> samples = new ArrayDeque<>();
        private volatile Instant lastReportAt;
        private volatile String instance;
        private volatile List<ContainerReport> containers = List.of();

        Live(Instant seen) {
            this.lastReportAt = seen;
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

        public synchronized List<NodeSample> samples() {
            return new ArrayList<>(samples);
        }

        public synchronized NodeSample latest() {
            return samples.peekLast();
        }
    }

    public void known(String node, Instant now) {
        live.computeIfAbsent(node, n -> new Live(now));
    }

    /** Records that a report from the node arrived now (before it is applied). */
    public void touch(String node, Instant now) {
        Live l = live.computeIfAbsent(node, n -> new Live(now));
        l.lastReportAt = now;
    }

    public Live get(String node) {
        return live.get(node);
    }

    public Map<String, Live> all() {
        return Map.copyOf(live);
    }

    public void reported(String node, String instance, NodeSample sample, List<ContainerReport> containers, Instant now, Duration window) {
        Live l = live.computeIfAbsent(node, n -> new Live(now));
        synchronized (l) {
            l.lastReportAt = now;
            l.instance = instance;
            l.containers = List.copyOf(containers);
            if (sample != null) {
                NodeSample last = l.samples.peekLast();
                if (last == null || sample.at().isAfter(last.at())) {
                    l.samples.addLast(sample);
                }
                Instant from = now.minus(window);
                while (l.samples.size() > MAX_SAMPLES || (!l.samples.isEmpty() && l.samples.peekFirst().at().isBefore(from) && l.samples.size() > 1)) {
                    l.samples.removeFirst();
                }
            }
        }
    }

    public CapacityEstimate estimate(String node, Instant now) {
        Live l = live.get(node);
        if (l == null) {
            return CapacityEstimate.nothing(dev.glean.core.resources.Resources.ZERO, "never reported");
        }
        List<NodeSample> samples = l.samples();
        if (samples.isEmpty()) {
            return CapacityEstimate.nothing(dev.glean.core.resources.Resources.ZERO, "no readings yet");
        }
        NodeSample latest = samples.get(samples.size() - 1);
        if (l.lastReportAt.plus(estimator.settings().staleAfter()).isBefore(now)) {
            return CapacityEstimate.nothing(latest.capacity(), "no report since " + l.lastReportAt);
        }
        // Judge the window on the agent's own clock: node clocks may be skewed against ours.
        return estimator.estimate(samples, latest.at());
    }
}
