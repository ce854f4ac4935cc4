package dev.glean.core.guard;

import java.time.Instant;
import java.util.Locale;

/**
 * Threads against the kernel's limit. pids.max on glean's parent and on each container are the backstops; this
 * keeps a node whose incumbents fork a lot from taking more secondaries, and evicts one when the host is about
 * to run out, which would fail the incumbents' forks.
 */
final class PidsWatch {
    private final GuardSettings.Pids s;

    PidsWatch(GuardSettings.Pids s) {
        this.s = s;
    }

    record Assessment(GuardState.Pids state, String stopReason, String evictReason, Readout readout) {}

    Assessment assess(GuardState.Pids st, GuardReadings r, Instant now) {
        Readout readout = new Readout().put("tasks", r.tasks()).put("taskLimit", r.taskLimit());
        if (r.taskLimit() <= 0) {
            return new Assessment(new GuardState.Pids(false, null), null, null, readout);
        }
        double used = r.tasks() / (double) r.taskLimit();
        boolean high = st.high();
        Instant clearSince = st.clearSince();
        if (used >= s.admitStop()) {
            high = true;
            clearSince = null;
        } else if (high && used < s.admitResume()) {
            clearSince = clearSince == null ? now : clearSince;
            if (GuardPolicy.elapsed(clearSince, now, s.coolDown())) {
                high = false;
                clearSince = null;
            }
        } else {
            clearSince = null;
        }
        // Formatted only when it is said: the guard assesses ten times a second and says it rarely.
        String text = high || used >= s.evict() ? String.format(Locale.ROOT,
                "%d threads on the host, %.0f%% of the kernel's limit of %d", r.tasks(), used * 100, r.taskLimit()) : null;
        return new Assessment(new GuardState.Pids(high, clearSince), high ? text : null,
                used >= s.evict() ? text : null, readout);
    }
}
