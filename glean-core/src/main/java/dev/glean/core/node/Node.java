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

    /** What a node name may be, for messages. */
    public static final String NAME_RULE = "[A-Za-z0-9_.:-]{1,253}";

    public Node {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    /** True if {@code name} matches {@link #NAME_RULE}; checked on every report, so without a regex matcher. */
    public static boolean isValidName(String name) {
        if (name == null || name.isEmpty() || name.length() > 253) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
                    || c == ':' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    public Node withCordoned(boolean c) {
        return new Node(name, labels, status, c, capacity, agentInstance, registeredAt, lastSeenAt);
    }

    public Node withStatus(NodeStatus s) {
        return new Node(name, labels, s, cordoned, capacity, agentInstance, registeredAt, lastSeenAt);
    }
}
