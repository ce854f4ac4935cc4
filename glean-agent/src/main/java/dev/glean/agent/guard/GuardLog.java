package dev.glean.agent.guard;

import dev.glean.core.guard.GuardAction;
import java.io.PrintStream;

/**
 * Writes the guard's events to the agent's log: every failure, and every action but the CPU cap's moves, which
 * come several a second while an incumbent bursts (the controller's event log gets them folded, see GuardOutbox,
 * and /metrics counts each).
 */
public final class GuardLog implements NodeGuard.Listener {
    private final PrintStream out;
    private String lastFailure;

    public GuardLog(PrintStream out) {
        this.out = out;
    }

    @Override
    public void onEvent(NodeGuard.Event e) {
        if (e.error() != null) {
            out.println("glean guard: " + e.action().reason() + " FAILED: " + e.error());
        } else if (!(e.action() instanceof GuardAction.SetCpuQuota)) {
            out.println("glean guard: " + e.action().reason());
        }
    }

    /** A failure that repeats on every reading (a file that cannot be read) is written once, until it changes. */
    @Override
    public synchronized void onFailure(String message) {
        if (!message.equals(lastFailure)) {
            out.println("glean " + message);
        }
        lastFailure = message;
    }
}
