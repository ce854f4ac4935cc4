package dev.glean.core.schedule;

import dev.glean.core.resources.Resources;
import java.time.Duration;
import java.util.Map;

/**
 * How the scheduler chooses. {@code placing}: BIN_PACK fills the fullest node that fits (keeps whole nodes free for
 * big tasks and idle nodes quiet), SPREAD the emptiest (each node's incumbents meet as few secondaries as
 * possible). {@code tenantWeights}: a tenant's fair share is its weight over the sum (default 1);
 * {@code quotas}: the most a tenant may hold at once (absent: no limit). {@code preemption}: whether a task may
 * stop lower-priority ones (at most {@code maxPreemptionsPerCycle} searches a cycle, as each looks at every
 * matching node). A task that fits nowhere after waiting {@code reserveAfter} gets a node reserved (at most
 * {@code maxReservations} at once). Eviction risk: a task of at least {@code large} (either resource) or expected
 * to run at least {@code longRunning} looks at nodes of risk below {@code stableBelow} first; a small task known to
 * be shorter looks at nodes of risk from {@code riskyFrom} first, leaving the stable ones. {@code candidates}:
 * fitting nodes scored per decision; {@code searchBudget}: nodes looked at per decision before giving up.
 */
public record SchedulerSettings(
        Placing placing,
        Map<String, Double> tenantWeights,
        Map<String, Resources> quotas,
        boolean preemption,
        int maxPreemptionsPerCycle,
        Duration reserveAfter,
        int maxReservations,
        Resources large,
        Duration longRunning,
        double stableBelow,
        double riskyFrom,
        int candidates,
        int searchBudget) {

    public enum Placing { BIN_PACK, SPREAD }

    /**
     * Spread, as the first scheduler did; preemption off here (the controller turns it on from its config, as it
     * carries preemptions out: a reserved node whose victims are never stopped would stay held).
     */
    public static final SchedulerSettings DEFAULTS = new SchedulerSettings(Placing.SPREAD, Map.of(), Map.of(), false, 16,
            Duration.ofMinutes(5), 16, Resources.of(4000, 8L << 30), Duration.ofHours(1), 0.25, 0.6, 4, 4096);

    public SchedulerSettings {
        tenantWeights = Map.copyOf(tenantWeights);
        quotas = Map.copyOf(quotas);
        for (double w : tenantWeights.values()) {
            if (!(w > 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("tenant weights must be positive: " + tenantWeights);
            }
        }
        if (candidates < 1 || searchBudget < 1 || maxReservations < 0 || maxPreemptionsPerCycle < 0 || !(stableBelow <= riskyFrom)) {
            throw new IllegalArgumentException("bad scheduler settings");
        }
    }

    public SchedulerSettings withPlacing(Placing p) {
        return new SchedulerSettings(p, tenantWeights, quotas, preemption, maxPreemptionsPerCycle, reserveAfter, maxReservations, large,
                longRunning, stableBelow, riskyFrom, candidates, searchBudget);
    }

    public SchedulerSettings withTenants(Map<String, Double> weights, Map<String, Resources> q) {
        return new SchedulerSettings(placing, weights, q, preemption, maxPreemptionsPerCycle, reserveAfter, maxReservations, large,
                longRunning, stableBelow, riskyFrom, candidates, searchBudget);
    }

    public SchedulerSettings withPreemption(boolean on) {
        return new SchedulerSettings(placing, tenantWeights, quotas, on, maxPreemptionsPerCycle, reserveAfter, maxReservations, large,
                longRunning, stableBelow, riskyFrom, candidates, searchBudget);
    }

    public SchedulerSettings withReservations(Duration after, int max) {
        return new SchedulerSettings(placing, tenantWeights, quotas, preemption, maxPreemptionsPerCycle, after, max, large,
                longRunning, stableBelow, riskyFrom, candidates, searchBudget);
    }

    public double weight(String tenant) {
        return tenantWeights.getOrDefault(tenant, 1.0);
    }
}
