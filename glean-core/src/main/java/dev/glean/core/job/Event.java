package dev.glean.core.job;

import java.time.Instant;
import java.util.Map;

/**
 * One entry of the append-only event log. Job events name the job (and task, attempt); node events name
 * only the node. {@code from}/{@code to} are set on state changes. {@code seq} is assigned by the store.
 */
public record Event(
        long seq,
        Instant at,
        String type,
        String jobId,
        Integer taskIndex,
        Integer attempt,
        String node,
        JobState from,
        JobState to,
        String reason,
        Map<String, String> data) {

    public Event {
        data = data == null ? Map.of() : Map.copyOf(data);
    }

    public static Event node(Instant at, String type, String node, String reason) {
        return new Event(0, at, type, null, null, null, node, null, null, reason, Map.of());
    }

    public static Event job(Instant at, String type, String jobId, String reason) {
        return new Event(0, at, type, jobId, null, null, null, null, null, reason, Map.of());
    }
}
