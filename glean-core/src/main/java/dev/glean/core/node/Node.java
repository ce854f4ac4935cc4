package dev.glean.core.node;

import dev.glean.core.resources.Resources;
import java.time.Instant;
import java.util.Map;

/** A node as the controller keeps it durably; the latest readings live in memory beside it. */
public record Node(
        String name,
        Map<String, String> labels,
        NodeStatus status,
        boolean cordoned,
        Resources capacity,
        String agentInstance,
        Instant registeredAt,
        Instant lastSeenAt) {

    public Node {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public Node withCordoned(boolean c) {
        return new Node(name, labels, status, c, capacity, agentInstance, registeredAt, lastSeenAt);
    }

    public Node withStatus(NodeStatus s) {
        return new Node(name, labels, s, cordoned, capacity, agentInstance, registeredAt, lastSeenAt);
    }
}
