package dev.glean.core.schedule;

/** The task stays queued, and why; {@code node} is the node held for it when {@code reason} is RESERVED, else null. */
public record Waiting(String jobId, int index, Reason reason, String node) implements Outcome {
    public enum Reason {
        /** No node it may use has room for it now. */
        NO_FIT,
        /** Its tenant's quota would be exceeded. */
        QUOTA,
        /** A node is held for it and is draining (or its victims are stopping). */
        RESERVED,
        /** The search for a node gave up (its budget ran out); the next cycle tries again. */
        SEARCH_LIMIT
    }
}
