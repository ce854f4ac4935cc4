package dev.glean.controller.api;

import dev.glean.controller.ChangeFeed;
import dev.glean.controller.nodes.AgentService;
import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.core.protocol.DesiredState;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A report's answer held until its node's desired state changes or the hold ends, whichever comes first (the flag
 * says which claimed it). One object per parked answer, as timer task and change listener at once: thousands are
 * parked at any time, and what they hold is copied by every young collection.
 */
final class ParkedReport extends AtomicBoolean implements Runnable, ChangeFeed.Listener {
    private final Exchange.Later later;
    private final DesiredState answer;
    private final AgentService agents;
    private final ChangeFeed feed;
    private final ReportLatency latency;
    /** When the hold ends (System.nanoTime). */
    private final long holdEnd;

    private ParkedReport(Exchange.Later later, DesiredState answer, AgentService agents, ChangeFeed feed, ReportLatency latency,
            long holdEnd) {
        this.later = later;
        this.answer = answer;
        this.agents = agents;
        this.feed = feed;
        this.latency = latency;
        this.holdEnd = holdEnd;
    }

    /** Parks {@code answer} (computed for a report whose agent holds its version) for up to {@code hold}. */
    static void park(Exchange ex, DesiredState answer, Duration hold, AgentService agents, ChangeFeed feed, ReportLatency latency) {
        ParkedReport p = new ParkedReport(ex.later(), answer, agents, feed, latency, ex.receivedNanos() + hold.toNanos());
        if (!feed.listen(answer.node(), answer.version(), p)) {
            p.changed(); // it moved between the answer and now
            return;
        }
        p.later.schedule(p, hold);
    }

    /** The hold ended with no change: the answer as computed. */
    @Override
    public void run() {
        if (compareAndSet(false, true)) {
            feed.unlisten(answer.node(), this);
            later.json(200, answer);
            latency.record(System.nanoTime() - holdEnd);
        }
    }

    /** The node's desired state changed: the answer again, off the bumping thread (it may read the store). */
    @Override
    public void changed() {
        if (compareAndSet(false, true)) {
            Thread.ofVirtual().name("glean-report-refresh").start(() -> {
                try {
                    later.json(200, agents.refreshed(answer));
                } catch (GleanException e) {
                    later.error(e);
                } catch (RuntimeException e) {
                    later.error(new GleanException(ErrorCode.INTERNAL, "internal error: " + e));
                }
            });
        }
    }
}
