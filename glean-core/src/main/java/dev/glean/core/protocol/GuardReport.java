package dev.glean.core.protocol;

import java.util.List;

/**
 * The guard's part of an agent report: whether the node takes new secondaries (false between the guard's
 * StopAdmitting and ResumeAdmitting, with the guard's reason) and every guard event not yet acknowledged, oldest
 * first. The controller acknowledges the highest seq it stored in {@link DesiredState#guardEventsAck()}.
 */
public record GuardReport(boolean admitting, String admissionReason, List<GuardEvent> events) {
    public GuardReport {
        events = events == null ? List.of() : List.copyOf(events);
    }

    public static final GuardReport NONE = new GuardReport(true, null, List.of());
}
