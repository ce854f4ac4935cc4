package dev.glean.core.store;

/** Events with seq greater than {@code afterSeq}, optionally of one job or one node, oldest first, at most {@code limit}. */
public record EventFilter(long afterSeq, String jobId, String node, int limit) {
    public static EventFilter all() {
        return new EventFilter(0, null, null, Integer.MAX_VALUE);
    }
}
