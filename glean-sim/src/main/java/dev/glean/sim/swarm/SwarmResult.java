package dev.glean.sim.swarm;

import java.time.Duration;

/** What a swarm run measured in its window; {@link #line()} is the one line the bench script parses. */
record SwarmResult(int nodes, boolean longPoll, Duration measure, long reports, long timed, long errors, long windowErrors, long p50Micros, long p99Micros,
        long maxMicros, long slotLagP99Micros, long reconnects, long held, long heldNews, long submittedTasks,
        long started, int liveContainers) {

    double reportsPerSecond() {
        return measure.isZero() ? 0 : reports / (measure.toMillis() / 1000.0);
    }

    String line() {
        return String.format(java.util.Locale.ROOT,
                "RESULT nodes=%d long_poll=%s reports_per_s=%.0f errors=%d window_errors=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.1f slot_lag_p99_ms=%.1f"
                        + " reconnects=%d held=%d held_news=%d submitted=%d started=%d live=%d",
                nodes, longPoll, reportsPerSecond(), errors, windowErrors, p50Micros / 1000.0, p99Micros / 1000.0, maxMicros / 1000.0,
                slotLagP99Micros / 1000.0, reconnects, held, heldNews, submittedTasks, started, liveContainers);
    }
}
