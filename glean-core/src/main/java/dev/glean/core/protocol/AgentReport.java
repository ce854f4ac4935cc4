package dev.glean.core.protocol;

import dev.glean.core.node.NodeSample;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What an agent sends each period (and at once when a container starts or ends). Level-triggered: it always
 * lists every container the agent holds, so a lost message is repaired by the next one. {@code instance}
 * changes each time the agent process starts. {@code sample} may be null before the first reading. {@code guard}
 * is null from an agent without a guard (it admits).
 */
public record AgentReport(
        int protocolVersion,
        String node,
        String instance,
        Map<String, String> labels,
        NodeSample sample,
        List<ContainerReport> containers,
        List<LogChunk> logs,
        Instant sentAt,
        GuardReport guard) {

    public AgentReport {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        containers = containers == null ? List.of() : List.copyOf(containers);
        logs = logs == null ? List.of() : List.copyOf(logs);
    }

    /** A report without a guard part. */
    public AgentReport(int protocolVersion, String node, String instance, Map<String, String> labels, NodeSample sample,
            List<ContainerReport> containers, List<LogChunk> logs, Instant sentAt) {
        this(protocolVersion, node, instance, labels, sample, containers, logs, sentAt, null);
    }

    /** The guard part, {@link GuardReport#NONE} when the agent sent none. */
    public GuardReport guardOrNone() {
        return guard == null ? GuardReport.NONE : guard;
    }
}
