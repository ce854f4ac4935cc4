package dev.glean.agent.guard;

import dev.glean.core.guard.GuardAction;
import dev.glean.core.guard.GuardEvents;
import dev.glean.core.protocol.GuardEvent;
import dev.glean.core.protocol.GuardReport;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The guard's events on their way to the controller: each numbered (from 1, within this agent instance) and kept
 * until the controller acknowledges it, so a lost report loses nothing — the next one sends it again. CPU cap
 * moves are folded by {@link GuardEvents}. Bounded: past {@code capacity} unacknowledged events (a controller out
 * of reach for long) the oldest are dropped, counted and logged. Also tracks whether the node admits new work.
 */
public final class GuardOutbox implements NodeGuard.Listener {
    /** A CPU cap summary at most this often. */
    public static final Duration SUMMARY_EVERY = Duration.ofSeconds(30);
    /** Events per report, so a backlog after an outage drains over a few reports instead of one huge one. */
    static final int MAX_PER_REPORT = 200;

    private final GuardEvents folding;
    private final int capacity;
    private final Clock clock;
    private final PrintStream log;
    private final ArrayDeque<GuardEvent> pending = new ArrayDeque<>();
    private long seq;
    private long dropped;
    private boolean admitting = true;
    private String admissionReason;

    public GuardOutbox(int capacity, Duration summaryEvery, Clock clock, PrintStream log) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.folding = new GuardEvents(summaryEvery);
        this.capacity = capacity;
        this.clock = clock;
        this.log = log;
    }

    @Override
    public synchronized void onEvent(NodeGuard.Event e) {
        if (e.error() == null) {
            switch (e.action()) {
                case GuardAction.StopAdmitting s -> {
                    admitting = false;
                    admissionReason = s.reason();
                }
                case GuardAction.ResumeAdmitting r -> {
                    admitting = true;
                    admissionReason = null;
                }
                default -> { }
            }
        }
        folding.add(e.at(), e.action(), e.error()).forEach(this::enqueue);
    }

    private void enqueue(GuardEvent e) {
        pending.addLast(e.withSeq(++seq));
        if (pending.size() > capacity) {
            pending.removeFirst();
            if (dropped++ == 0 || dropped % 1000 == 0) {
                log.println("glean guard: the controller has not acknowledged " + capacity + " guard events; dropped "
                        + dropped + " oldest so far");
            }
        }
    }

    /** What the next report carries: admission and the oldest unacknowledged events (a due CPU summary first made). */
    public synchronized GuardReport report() {
        folding.flush(clock.instant()).forEach(this::enqueue);
        List<GuardEvent> out = new ArrayList<>(Math.min(pending.size(), MAX_PER_REPORT));
        for (GuardEvent e : pending) {
            if (out.size() == MAX_PER_REPORT) {
                break;
            }
            out.add(e);
        }
        return new GuardReport(admitting, admissionReason, out);
    }

    /** The controller stored every event up to {@code seq}: they need not be sent again. */
    public synchronized void acknowledge(long seq) {
        while (!pending.isEmpty() && pending.peekFirst().seq() <= seq) {
            pending.removeFirst();
        }
    }

    public synchronized int pending() {
        return pending.size();
    }

    /** Events dropped unsent because the outbox was full. */
    public synchronized long dropped() {
        return dropped;
    }

    public synchronized boolean admitting() {
        return admitting;
    }
}
