package dev.glean.sim;

import dev.glean.core.error.GleanException;
import dev.glean.core.guard.GuardMode;
import dev.glean.core.schedule.CapacitySettings;
import dev.glean.core.schedule.SchedulerSettings;
import java.time.Instant;

/**
 * One simulated run. {@code stepSeconds}: virtual time per step (the incumbents' readings, the guard and the
 * scheduling cycle each run once a step). {@code backlog}: the queue is topped up to this many tasks every step, so
 * there is always work (0: nodes / 2 + 50). {@code riskAware} false gives every node risk 0 (the scheduler then
 * places as if all were equally stable). The capacity, scheduler and guard settings are the product's defaults
 * unless a caller changes them.
 */
public record SimSettings(
        int nodes,
        double days,
        long seed,
        int stepSeconds,
        Instant start,
        boolean riskAware,
        EstimatorKind estimator,
        GuardMode guard,
        int backlog,
        int maxPlacementsPerCycle,
        CapacitySettings capacity,
        SchedulerSettings scheduler) {

    /** Monday 2026-11-23 00:00 UTC: the synthetic traces' day and week start here. */
    public static final Instant START = Instant.parse("2026-11-23T00:00:00Z");

    public SimSettings {
        if (nodes < 1 || nodes > 100_000) {
            throw GleanException.invalid("--nodes must be 1-100000: " + nodes);
        }
        if (!(days > 0) || days > 366) {
            throw GleanException.invalid("--days must be more than 0 and at most 366: " + days);
        }
        if (stepSeconds < 1 || stepSeconds > 3600) {
            throw GleanException.invalid("step must be 1-3600 s: " + stepSeconds);
        }
        if (backlog < 0 || maxPlacementsPerCycle < 1) {
            throw GleanException.invalid("backlog must be >= 0 and placements per cycle >= 1");
        }
    }

    /** The product's defaults: 60 s steps, risk-aware, glean's forecast, the balanced guard (the agent's default). */
    public static SimSettings defaults(int nodes, double days, long seed) {
        return new SimSettings(nodes, days, seed, 60, START, true, EstimatorKind.FORECAST, GuardMode.BALANCED, 0, 2000,
                CapacitySettings.DEFAULTS, SchedulerSettings.DEFAULTS);
    }

    public int steps() {
        return (int) Math.round(days * 86_400 / stepSeconds);
    }

    public int effectiveBacklog() {
        return backlog > 0 ? backlog : nodes / 2 + 50;
    }

    public SimSettings withRiskAware(boolean on) {
        return new SimSettings(nodes, days, seed, stepSeconds, start, on, estimator, guard, backlog, maxPlacementsPerCycle, capacity,
                scheduler);
    }

    public SimSettings withEstimator(EstimatorKind e) {
        return new SimSettings(nodes, days, seed, stepSeconds, start, riskAware, e, guard, backlog, maxPlacementsPerCycle, capacity,
                scheduler);
    }

    public SimSettings withCapacity(CapacitySettings c) {
        return new SimSettings(nodes, days, seed, stepSeconds, start, riskAware, estimator, guard, backlog, maxPlacementsPerCycle, c,
                scheduler);
    }

    public SimSettings withStep(int seconds) {
        return new SimSettings(nodes, days, seed, seconds, start, riskAware, estimator, guard, backlog, maxPlacementsPerCycle, capacity,
                scheduler);
    }

    public SimSettings withNodes(int n) {
        return new SimSettings(n, days, seed, stepSeconds, start, riskAware, estimator, guard, backlog, maxPlacementsPerCycle, capacity,
                scheduler);
    }

    public SimSettings withBacklog(int b) {
        return new SimSettings(nodes, days, seed, stepSeconds, start, riskAware, estimator, guard, b, maxPlacementsPerCycle, capacity,
                scheduler);
    }

    /** How this run differs from the default, for a column header. */
    public String variant() {
        if (!riskAware && estimator == EstimatorKind.NAIVE) {
            return "naive, no risk";
        }
        if (estimator == EstimatorKind.NAIVE) {
            return "--estimator naive";
        }
        return riskAware ? "default" : "--no-risk-aware";
    }
}
