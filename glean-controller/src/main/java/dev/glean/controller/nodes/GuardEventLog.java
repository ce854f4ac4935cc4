package dev.glean.controller.nodes;

import dev.glean.core.error.GleanException;
import dev.glean.core.guard.GuardEvents;
import dev.glean.core.job.AttemptId;
import dev.glean.core.job.Event;
import dev.glean.core.protocol.AgentReport;
import dev.glean.core.protocol.GuardEvent;
import dev.glean.core.store.EventFilter;
import dev.glean.core.store.StoreTx;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Writes the guard events of an agent report into the event log, each (agent instance, seq) once: a report that
 * is resent because its answer was lost repeats events the log already holds. The highest seq stored per instance
 * is kept in the {@link NodeRegistry}; after a controller restart it is found again in the tail of the log.
 * An event on a container names its job, task and attempt, so it shows in the job's history too.
 */
final class GuardEventLog {
    /** Event type prefix: "guard-evict", "guard-cpu-capped", ... */
    static final String TYPE_PREFIX = "guard-";
    /** How far back (in events) a restarted controller looks for what an agent instance already stored. */
    private static final int SEED_WINDOW = 10_000;
    private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9-]{0,39}");
    private static final int MAX_REASON = 2000;
    private static final int MAX_READINGS = 64;

    private GuardEventLog() {}

    /** The highest seq of the instance stored after a report, and how many events the report added. */
    record Stored(long seq, int appended) {}

    /**
     * Appends the report's new guard events; returns the highest seq of its instance stored afterwards (what the
     * answer acknowledges) and how many it appended. {@code actions} receives the guard actions the new events stand for, by kind.
     */
    static Stored store(StoreTx tx, NodeRegistry registry, AgentReport r, Instant now, Map<String, Long> actions) {
        var events = r.guardOrNone().events();
        OptionalLong known = registry.guardStored(r.node(), r.instance());
        if (events.isEmpty()) {
            return new Stored(known.orElse(0), 0);
        }
        int appended = 0;
        long stored = known.isPresent() ? known.getAsLong() : storedInLog(tx, r.node(), r.instance());
        // Agent times on the controller's clock: node clocks may be skewed; the report's sentAt tells by how much.
        Duration skew = r.sentAt() == null ? Duration.ZERO : Duration.between(r.sentAt(), now);
        for (GuardEvent e : events) {
            if (e.seq() <= stored) {
                continue;
            }
            Instant at = e.at() == null ? now : e.at().plus(skew);
            if (at.isAfter(now)) {
                at = now;
            }
            String kind = e.kind() != null && KIND.matcher(e.kind()).matches() ? e.kind() : "unknown";
            tx.append(event(r, e, kind, at));
            actions.merge(GuardEvents.actionKind(kind), Math.max(0, e.count()), Long::sum);
            stored = e.seq();
            appended++;
        }
        return new Stored(stored, appended);
    }

    private static Event event(AgentReport r, GuardEvent e, String kind, Instant at) {
        String jobId = null;
        Integer task = null;
        Integer attempt = null;
        if (e.containerId() != null) {
            try {
                AttemptId id = AttemptId.parse(e.containerId());
                jobId = id.jobId();
                task = id.index();
                attempt = id.attempt();
            } catch (GleanException notOurs) {
                // a container glean did not name: the event stays the node's
            }
        }
        String reason = e.reason() == null ? kind : e.reason();
        if (e.error() != null) {
            reason = reason + " FAILED: " + e.error();
        }
        if (reason.length() > MAX_REASON) {
            reason = reason.substring(0, MAX_REASON) + "…";
        }
        Map<String, String> data = new LinkedHashMap<>();
        int n = 0;
        for (Map.Entry<String, Double> x : e.readings().entrySet()) {
            if (n++ == MAX_READINGS) {
                break;
            }
            data.put(x.getKey(), number(x.getValue()));
        }
        data.put("instance", String.valueOf(r.instance()));
        data.put("seq", Long.toString(e.seq()));
        data.put("count", Long.toString(e.count()));
        data.put("action", GuardEvents.actionKind(kind));
        if (e.containerId() != null) {
            data.put("container", e.containerId());
        }
        if (e.error() != null) {
            data.put("error", e.error());
        }
        return new Event(0, at, TYPE_PREFIX + kind, jobId, task, attempt, r.node(), null, null, reason, data);
    }

    /** The highest seq of the instance in the tail of the node's events; 0 if none. */
    private static long storedInLog(StoreTx tx, String node, String instance) {
        long from = Math.max(0, tx.lastEventSeq() - SEED_WINDOW);
        long max = 0;
        for (Event e : tx.events(new EventFilter(from, null, node, SEED_WINDOW))) {
            if (e.type().startsWith(TYPE_PREFIX) && String.valueOf(instance).equals(e.data().get("instance"))) {
                try {
                    max = Math.max(max, Long.parseLong(e.data().getOrDefault("seq", "0")));
                } catch (NumberFormatException ignored) {
                    // not written by this class
                }
            }
        }
        return max;
    }

    private static String number(Double v) {
        if (v == null || v.isNaN() || v.isInfinite()) {
            return String.valueOf(v);
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
