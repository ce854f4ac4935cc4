package dev.glean.core.node;

public enum NodeStatus {
    /** Reporting and holding a lease. */
    READY,
    /** Its lease ran out: it has stopped its secondaries itself, and its tasks were requeued. */
    LOST
}
