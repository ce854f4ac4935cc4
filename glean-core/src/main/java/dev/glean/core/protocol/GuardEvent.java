package dev.glean.core.protocol;

import java.time.Instant;
import java.util.Map;

/**
 * One guard event an agent forwards to the controller. {@code seq} counts up from 1 within one agent instance
 * (the report's {@code instance}), so the controller stores each (instance, seq) once however often it is resent.
 * {@code kind} names the action (see {@code GuardEvents}); {@code containerId} is set for actions on one
 * container; {@code error} is null when the action was carried out; {@code count} is how many guard actions the
 * event stands for (a CPU cap summary stands for every move since the one before).
 */
public record GuardEvent(
        long seq,
        Instant at,
        String kind,
        String containerId,
        String reason,
        Map<String, Double> readings,
        String error,
        long count) {

    public GuardEvent {
        readings = readings == null ? Map.of() : Map.copyOf(readings);
    }

    public GuardEvent withSeq(long s) {
        return new GuardEvent(s, at, kind, containerId, reason, readings, error, count);
    }
}
