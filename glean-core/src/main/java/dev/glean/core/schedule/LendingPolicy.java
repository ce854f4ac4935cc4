package dev.glean.core.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What an admin allows a node to lend: at most {@code maxCpuFraction} of its CPU and {@code maxMemoryFraction} of
 * its memory, only during {@code hours}, and nothing at all while {@code cordoned}. Policies combine with
 * {@link #and}: when several apply to a node (its own and its labels'), the strictest of each wins.
 */
public record LendingPolicy(double maxCpuFraction, double maxMemoryFraction, LendingHours hours, boolean cordoned) {
    public static final LendingPolicy OPEN = new LendingPolicy(1, 1, LendingHours.ALWAYS, false);
    /** How far ahead a window's end is looked for; beyond it lending counts as open-ended. */
    static final Duration LOOKAHEAD = Duration.ofDays(8);

    public LendingPolicy {
        if (!(maxCpuFraction >= 0 && maxCpuFraction <= 1) || !(maxMemoryFraction >= 0 && maxMemoryFraction <= 1)) {
            throw new IllegalArgumentException("lendable fractions must be in [0, 1]: " + maxCpuFraction + ", " + maxMemoryFraction);
        }
    }

    public static LendingPolicy fractions(double cpu, double memory) {
        return new LendingPolicy(cpu, memory, LendingHours.ALWAYS, false);
    }

    public static LendingPolicy during(LendingHours hours) {
        return new LendingPolicy(1, 1, hours, false);
    }

    public static LendingPolicy cordon() {
        return new LendingPolicy(1, 1, LendingHours.ALWAYS, true);
    }

    public LendingPolicy and(LendingPolicy o) {
        return new LendingPolicy(Math.min(maxCpuFraction, o.maxCpuFraction), Math.min(maxMemoryFraction, o.maxMemoryFraction),
                hours.and(o.hours), cordoned || o.cordoned);
    }

    /** The outcome of a policy at one instant. */
    public sealed interface Decision {}

    /** Lend at most these fractions; {@code until} is when the lending hours close next (null: not within 8 days). */
    public record Lend(double cpuFraction, double memoryFraction, Instant until) implements Decision {}

    /** Lend nothing; {@code resumes} is when the lending hours open next (null: cordoned, or not within 8 days). */
    public record Withhold(String reason, Instant resumes) implements Decision {}

    public Decision decide(Instant now) {
        if (cordoned) {
            return new Withhold("cordoned by lending policy", null);
        }
        boolean open = hours.open(now);
        Instant next = nextChange(now, open);
        if (!open) {
            return new Withhold("outside lending hours", next);
        }
        return new Lend(maxCpuFraction, maxMemoryFraction, next);
    }

    private Instant nextChange(Instant now, boolean open) {
        List<Instant> candidates = new ArrayList<>();
        hours.changes(now, now.plus(LOOKAHEAD), candidates);
        candidates.sort(null);
        for (Instant c : candidates) {
            if (hours.open(c) != open) {
                return c;
            }
        }
        return null;
    }
}
