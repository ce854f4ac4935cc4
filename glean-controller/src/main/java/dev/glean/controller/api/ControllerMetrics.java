package dev.glean.controller.api;

import dev.glean.api.PrometheusText;
import dev.glean.api.PrometheusText.Type;
import dev.glean.controller.nodes.NodeRegistry;
import dev.glean.core.job.JobState;
import dev.glean.core.node.Node;
import dev.glean.core.node.NodeStatus;
import dev.glean.core.schedule.CapacityEstimate;
import dev.glean.core.store.Storage;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The controller's /metrics: jobs and tasks by state, nodes by status, what each node lends and whether it admits,
 * placements, agent reports, and the guard actions the agents forwarded (by node and kind; counted since this
 * controller started, as Prometheus counters may restart).
 */
public final class ControllerMetrics implements PrometheusText.Source {
    private final Storage storage;
    private final NodeRegistry registry;
    private final LongSupplier placements;
    private final Clock clock;

    public ControllerMetrics(Storage storage, NodeRegistry registry, LongSupplier placements, Clock clock) {
        this.storage = storage;
        this.registry = registry;
        this.placements = placements;
        this.clock = clock;
    }

    @Override
    public void write(PrometheusText out) {
        record Counts(Map<JobState, Long> jobs, Map<JobState, Long> tasks, List<Node> nodes) {}
        Counts c = storage.read(v -> new Counts(v.jobCounts(), v.taskCounts(), v.nodes()));
        out.family("glean_jobs", Type.GAUGE, "Jobs by state (an array is one job)");
        byState(c.jobs()).forEach((s, n) -> out.sample(n, "state", s.name()));
        out.family("glean_tasks", Type.GAUGE, "Tasks by state (QUEUED: waiting for a node; RUNNING: running on one)");
        byState(c.tasks()).forEach((s, n) -> out.sample(n, "state", s.name()));

        Map<NodeStatus, Long> status = new EnumMap<>(NodeStatus.class);
        for (NodeStatus s : NodeStatus.values()) {
            status.put(s, 0L);
        }
        c.nodes().forEach(n -> status.merge(n.status(), 1L, Long::sum));
        out.family("glean_nodes", Type.GAUGE, "Nodes by status");
        status.forEach((s, n) -> out.sample(n, "status", s.name()));

        Instant now = clock.instant();
        out.family("glean_node_lendable_cpu_cores", Type.GAUGE, "CPU the node lends now, by the controller's estimate");
        Map<String, CapacityEstimate> estimates = new java.util.TreeMap<>();
        c.nodes().forEach(n -> estimates.put(n.name(), registry.estimate(n.name(), n.labels(), now)));
        estimates.forEach((n, e) -> out.sample(e.lendableCpu().cores(), "node", n));
        out.family("glean_node_lendable_memory_bytes", Type.GAUGE, "Memory the node lends now, by the controller's estimate");
        estimates.forEach((n, e) -> out.sample(e.lendableMemory().value(), "node", n));
        out.family("glean_node_admitting", Type.GAUGE,
                "1 while the node's guard takes new secondaries, 0 while it stopped admitting (memory or threads short)");
        estimates.keySet().forEach(n -> out.sample(registry.admitting(n) ? 1 : 0, "node", n));

        out.family("glean_placements_total", Type.COUNTER, "Tasks placed on nodes since the controller started");
        out.sample(placements.getAsLong());
        out.family("glean_reports_total", Type.COUNTER, "Agent reports applied since the controller started");
        out.sample(registry.reports());
        out.family("glean_reports_refused_total", Type.COUNTER, "Agent reports refused (protocol version, node name)");
        out.sample(registry.refusedReports());

        out.family("glean_guard_actions_total", Type.COUNTER,
                "Guard actions the agents reported since the controller started, by node and kind (CPU cap moves arrive folded"
                        + " into summaries and are counted in full)");
        Map<String, NodeRegistry.Live> live = new java.util.TreeMap<>(registry.all());
        live.forEach((node, l) -> l.guardActions().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.sample(e.getValue(), "node", node, "kind", e.getKey())));
    }

    private static Map<JobState, Long> byState(Map<JobState, Long> m) {
        Map<JobState, Long> all = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            all.put(s, m.getOrDefault(s, 0L));
        }
        return all;
    }
}
