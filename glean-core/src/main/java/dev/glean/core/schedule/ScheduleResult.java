package dev.glean.core.schedule;

import java.util.List;

/**
 * One cycle's decisions: an outcome for every task considered, the reservations to hand to the next cycle, and
 * counters that show the work done (how many nodes were looked at per decision).
 */
public record ScheduleResult(List<Outcome> outcomes, List<Reservation> reservations, Stats stats) {
    public ScheduleResult {
        outcomes = List.copyOf(outcomes);
        reservations = List.copyOf(reservations);
    }

    /** {@code examined}: nodes looked at in searches, over all decisions; {@code maxExamined}: the most for one. */
    public record Stats(int decisions, int placements, int preemptions, long examined, int maxExamined) {}

    public List<Placement> placements() {
        return outcomes.stream().filter(o -> o instanceof Placement).map(o -> (Placement) o).toList();
    }

    public List<Preemption> preemptions() {
        return outcomes.stream().filter(o -> o instanceof Preemption).map(o -> (Preemption) o).toList();
    }

    public List<Waiting> waiting() {
        return outcomes.stream().filter(o -> o instanceof Waiting).map(o -> (Waiting) o).toList();
    }
}
