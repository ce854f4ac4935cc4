package dev.glean.sim;

import java.util.Locale;
import java.util.Map;

/**
 * What one simulated run measured. Core-hours: {@code idle} is what the incumbents left unused (capacity minus
 * their CPU, summed over nodes and steps); {@code harvested} is what the secondaries got of it (CPU is compressible:
 * they get at most what is idle); {@code wasted} is the part of the harvest that evicted tasks lost (their work so
 * far, redone elsewhere); {@code idleUnused} is what nobody used. Conservation: harvested + idleUnused = idle.
 *
 * <p>{@code memoryShortfalls}: node-steps where the incumbents' memory plus the memory lent to secondaries (their
 * limits) exceeded the node, before the guard acted: the incumbents would have been short. Must be 0.
 * {@code cpuForecastViolations}: node-steps, among the {@code nodeStepsLending} with secondaries running, where
 * the incumbents used more CPU than the forecast charged them with at the previous step. {@code byKind}: the
 * core-hours and evictions per kind of incumbent.
 */
public record SimReport(
        String variant,
        int nodes,
        double days,
        long seed,
        int stepSeconds,
        double idleCoreHours,
        double harvestedCoreHours,
        double wastedCoreHours,
        double idleUnusedCoreHours,
        long evictions,
        long memoryShortfalls,
        long cpuForecastViolations,
        long nodeStepsLending,
        long tasksStarted,
        long tasksCompleted,
        long tasksRunningAtEnd,
        double wallSeconds,
        Map<String, Kind> byKind) {

    public SimReport {
        byKind = Map.copyOf(byKind);
    }

    /** The same figures for the nodes of one kind of incumbent (web, batch, idle, spiky; "trace" for a CSV). */
    public record Kind(int nodes, double idleCoreHours, double harvestedCoreHours, double wastedCoreHours, long evictions) {
        public Kind plus(Kind o) {
            return new Kind(nodes + o.nodes, idleCoreHours + o.idleCoreHours, harvestedCoreHours + o.harvestedCoreHours,
                    wastedCoreHours + o.wastedCoreHours, evictions + o.evictions);
        }
    }

    public double harvestedPercent() {
        return percent(harvestedCoreHours);
    }

    public double wastedPercent() {
        return percent(wastedCoreHours);
    }

    /** Harvest that counted: what was not lost to evictions. */
    public double usefulCoreHours() {
        return harvestedCoreHours - wastedCoreHours;
    }

    private double percent(double coreHours) {
        return idleCoreHours <= 0 ? 0 : 100 * coreHours / idleCoreHours;
    }

    public String summary() {
        return String.format(Locale.ROOT, "%s: harvested %.1f %%, wasted %.1f %% of %.0f idle core-hours; %d evictions, %d memory shortfalls",
                variant, harvestedPercent(), wastedPercent(), idleCoreHours, evictions, memoryShortfalls);
    }
}
