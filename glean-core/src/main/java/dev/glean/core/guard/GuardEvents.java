package dev.glean.core.guard;

import dev.glean.core.protocol.GuardEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the guard's actions into the events an agent forwards to the controller's log. Every action becomes an
 * event of its own, except the CPU cap's moves: they come several a second while an incumbent bursts, so they are
 * folded into an event when the secondaries become capped ({@code cpu-capped}) or uncapped ({@code cpu-uncapped}),
 * the first failure to set the cap, and a summary at most every {@code summaryEvery} with the number of moves, the
 * lowest and highest cap and the last move's readings. Each event's {@code count} says how many actions it stands
 * for, so counts summed over the events equal the actions taken. Events leave here with seq 0; the agent's outbox
 * numbers them. Not thread-safe: one guard loop feeds it.
 */
public final class GuardEvents {
    /** The event kinds of the CPU cap; every other action's event kind is {@link #kind(GuardAction)}. */
    public static final String CPU_CAPPED = "cpu-capped";
    public static final String CPU_UNCAPPED = "cpu-uncapped";
    public static final String CPU_CAP_SUMMARY = "cpu-cap-summary";

    /** Every action kind, in the order of {@link GuardAction}'s records. */
    public static final List<String> KINDS = List.of("cpu-cap", "io-throttle", "io-unthrottle", "memory-reclaim",
            "memory-restore", "evict", "stop-admitting", "resume-admitting");

    private final Duration summaryEvery;
    /** Null until the first successful move: then nothing is known of the cap. */
    private Boolean capped;
    private Instant windowStart;
    private long moves;
    private long failures;
    private long minCap = Long.MAX_VALUE;
    private long maxCap = Long.MIN_VALUE;
    private CpuCap lastCap;
    private GuardAction.SetCpuQuota lastMove;
    private String lastError;
    private boolean failing;

    public GuardEvents(Duration summaryEvery) {
        if (summaryEvery.isNegative() || summaryEvery.isZero()) {
            throw new IllegalArgumentException("summaryEvery must be positive: " + summaryEvery);
        }
        this.summaryEvery = summaryEvery;
    }

    /** The action's kind: the label of its metric, and the event type (after "guard-") of all but the CPU cap. */
    public static String kind(GuardAction a) {
        return switch (a) {
            case GuardAction.SetCpuQuota q -> "cpu-cap";
            case GuardAction.ThrottleIo t -> "io-throttle";
            case GuardAction.UnthrottleIo u -> "io-unthrottle";
            case GuardAction.ReclaimMemory m -> "memory-reclaim";
            case GuardAction.RestoreMemory m -> "memory-restore";
            case GuardAction.Evict e -> "evict";
            case GuardAction.StopAdmitting s -> "stop-admitting";
            case GuardAction.ResumeAdmitting r -> "resume-admitting";
        };
    }

    /** The action kind an event kind counts as (the three CPU cap event kinds count as "cpu-cap"). */
    public static String actionKind(String eventKind) {
        return switch (eventKind) {
            case CPU_CAPPED, CPU_UNCAPPED, CPU_CAP_SUMMARY -> "cpu-cap";
            default -> eventKind;
        };
    }

    /** The container an action is about, null for node-wide actions. */
    public static String containerId(GuardAction a) {
        return switch (a) {
            case GuardAction.ReclaimMemory m -> m.containerId();
            case GuardAction.RestoreMemory m -> m.containerId();
            case GuardAction.Evict e -> e.containerId();
            case GuardAction.SetCpuQuota q -> null;
            case GuardAction.ThrottleIo t -> null;
            case GuardAction.UnthrottleIo u -> null;
            case GuardAction.StopAdmitting s -> null;
            case GuardAction.ResumeAdmitting r -> null;
        };
    }

    /** The events one action makes now (often none for a CPU cap move); {@code error} null if it was carried out. */
    public List<GuardEvent> add(Instant at, GuardAction a, String error) {
        List<GuardEvent> out = new ArrayList<>();
        if (!(a instanceof GuardAction.SetCpuQuota q)) {
            out.add(new GuardEvent(0, at, kind(a), containerId(a), a.reason(), a.readings(), error, 1));
            return out;
        }
        if (error != null) {
            if (!failing) {
                failing = true;
                out.add(new GuardEvent(0, at, "cpu-cap", null, q.reason() + " (setting the cap to " + q.cap() + ")",
                        q.readings(), error, 1));
            } else {
                note(at, q, error);
            }
            return out;
        }
        failing = false;
        boolean nowCapped = q.cap() instanceof CpuCap.Limit;
        if (capped == null || capped != nowCapped) {
            capped = nowCapped;
            Map<String, Double> r = new LinkedHashMap<>(q.readings());
            r.put("capCores", cores(q.cap()));
            out.add(new GuardEvent(0, at, nowCapped ? CPU_CAPPED : CPU_UNCAPPED, null,
                    (nowCapped ? "secondaries capped at " + q.cap() + ": " : "secondaries uncapped: ") + q.reason(), r, null, 1));
        } else {
            note(at, q, null);
        }
        out.addAll(flush(at));
        return out;
    }

    /** The CPU cap summary once {@code summaryEvery} has passed since the first move it holds; else nothing. */
    public List<GuardEvent> flush(Instant now) {
        if (windowStart == null || now.isBefore(windowStart.plus(summaryEvery))) {
            return List.of();
        }
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("moves", (double) moves);
        r.put("failures", (double) failures);
        r.put("seconds", Duration.between(windowStart, now).toMillis() / 1000.0);
        if (minCap != Long.MAX_VALUE) {
            r.put("minCapCores", minCap / 1000.0);
            r.put("maxCapCores", maxCap / 1000.0);
        }
        String reason;
        if (lastMove != null) {
            r.put("capCores", cores(lastCap));
            lastMove.readings().forEach(r::putIfAbsent);
            reason = String.format(Locale.ROOT, "CPU cap moved %d times in %.0f s%s, now %s; last: %s", moves,
                    r.get("seconds"), minCap == Long.MAX_VALUE ? "" : String.format(Locale.ROOT, " between %.2f and %.2f CPU",
                            minCap / 1000.0, maxCap / 1000.0), lastCap, lastMove.reason());
        } else {
            reason = failures + " more failures to set the CPU cap; last: " + lastError;
        }
        GuardEvent e = new GuardEvent(0, now, CPU_CAP_SUMMARY, null, reason, r, lastError, moves + failures);
        windowStart = null;
        moves = 0;
        failures = 0;
        minCap = Long.MAX_VALUE;
        maxCap = Long.MIN_VALUE;
        lastMove = null;
        lastError = null;
        return List.of(e);
    }

    private void note(Instant at, GuardAction.SetCpuQuota q, String error) {
        if (windowStart == null) {
            windowStart = at;
        }
        if (error != null) {
            failures++;
            lastError = error;
            return;
        }
        moves++;
        lastMove = q;
        lastCap = q.cap();
        if (q.cap() instanceof CpuCap.Limit l) {
            minCap = Math.min(minCap, l.cpu().value());
            maxCap = Math.max(maxCap, l.cpu().value());
        }
    }

    /** The cap in CPUs; an unlimited cap as -1 (JSON has no infinity). */
    private static double cores(CpuCap cap) {
        return switch (cap) {
            case CpuCap.Unlimited u -> -1;
            case CpuCap.Limit l -> l.cpu().value() / 1000.0;
        };
    }
}
