package dev.glean.core.schedule;

import java.time.Duration;
import java.time.Instant;

/**
 * A node's risk, in [0, 1], that a secondary placed there now is evicted before it ends. Four independent-looking
 * signs, combined as {@code 1 - product(1 - each)}:
 * <ul>
 * <li>unknown: half of the share of a day the forecast has not yet seen (a new node could have a nightly peak);
 * <li>bursty: how far the incumbents' forecast peak stands above their mean, plus how far their memory's daily peak
 * (the daily profile's highest slot) stands above the forecast: a node that is quiet now but loads its memory every
 * night evicts what is still running then (memory four times as much as CPU per share of capacity, as only memory
 * forces evictions), capped at 1;
 * <li>evicted: {@code 1 - 2^-n} for n evictions there within {@link #RECENT} (the guard's record, when the caller
 * has one);
 * <li>closing: the lending hours end soon (in 12 h or less, linearly).
 * </ul>
 * A stale node is certain risk.
 */
public final class EvictionRisk {
    private static final Duration CLOSING = Duration.ofHours(12);
    /**
     * How long an eviction counts against a node: a day, so a nightly peak that evicted work last night still counts
     * by day (the simulator's risk-aware result, docs/PERFORMANCE.md, was measured with it).
     */
    public static final Duration RECENT = Duration.ofDays(1);

    private EvictionRisk() {}

    public static double of(CapacityEstimate e, int recentEvictions, Instant now) {
        if (e.stale()) {
            return 1;
        }
        double unknown = 0.5 * (1 - Math.max(0, Math.min(1, e.confidence())));
        long mem = e.capacity().memory().value();
        double bursty = Math.min(1, 4 * (e.memory().spread(mem) + e.memory().ahead(mem)) + e.cpu().spread(e.capacity().cpu().value()));
        double evicted = 1 - Math.pow(0.5, Math.max(0, recentEvictions));
        double closing = 0;
        if (e.lendsUntil() != null) {
            double left = Duration.between(now, e.lendsUntil()).toSeconds() / (double) CLOSING.toSeconds();
            closing = Math.max(0, Math.min(1, 1 - left));
        }
        double r = 1 - (1 - unknown) * (1 - bursty) * (1 - evicted) * (1 - closing);
        return Math.max(0, Math.min(1, r));
    }
}
