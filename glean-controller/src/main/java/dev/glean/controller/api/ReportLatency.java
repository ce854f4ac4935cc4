package dev.glean.controller.api;

import dev.glean.api.PrometheusText;
import java.util.concurrent.atomic.LongAdder;

/**
 * How late the controller answers agent reports, by its own clock: from the report received whole to its answer
 * handed to the connection; for an answer held to the end of its hold without news, how far past the hold's end.
 * Answers that carry news are not counted (their wait is how long the news took to come). The agent's view adds the
 * network and its own delays; this one tells whether the controller is the slow part.
 */
final class ReportLatency implements PrometheusText.Source {
    static final String NAME = "glean_report_answer_seconds";
    private static final double[] BOUNDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
    private static final long[] BOUND_NANOS = new long[BOUNDS.length];

    static {
        for (int i = 0; i < BOUNDS.length; i++) {
            BOUND_NANOS[i] = (long) (BOUNDS[i] * 1e9);
        }
    }

    private final LongAdder[] counts = new LongAdder[BOUNDS.length + 1];
    private final LongAdder sumNanos = new LongAdder();

    ReportLatency() {
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void record(long nanos) {
        long n = Math.max(0, nanos);
        int i = 0;
        while (i < BOUND_NANOS.length && n > BOUND_NANOS[i]) {
            i++;
        }
        counts[i].increment();
        sumNanos.add(n);
    }

    @Override
    public void write(PrometheusText out) {
        long[] c = new long[counts.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts[i].sum();
        }
        out.family(NAME, PrometheusText.Type.HISTOGRAM, "How late the controller answered agent reports: received to answered,"
                + " or past the end of the hold for a held answer without news; answers with news are not counted")
                .histogram(BOUNDS, c, sumNanos.sum() / 1e9);
    }
}
