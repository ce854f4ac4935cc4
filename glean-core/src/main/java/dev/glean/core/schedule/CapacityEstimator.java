package dev.glean.core.schedule;

import dev.glean.core.forecast.IncumbentForecast;
import dev.glean.core.forecast.IncumbentHistory;
import dev.glean.core.forecast.UseForecast;
import dev.glean.core.node.NodeSample;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.resources.Resources;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Node history -> what it can lend. The incumbents are charged with the forecast of their use over the horizon:
 * the largest of the current reading (new use counts at once), a decayed high percentile of recent use (p95 CPU,
 * p98 memory by default) and, once a day of history exists, the daily profile of the coming slots. The node lends
 * its capacity minus that forecast minus headroom (CPU) or the reserve (memory), within the admin's lending policy.
 * CPU is compressible (the idle class hands it back within a scheduler tick), so admission may over-commit it by
 * {@code cpuOvercommit}; memory comes back only by killing, so it is never over-committed.
 */
public final class CapacityEstimator {
    private final CapacitySettings settings;
    /** The explanation of the forecast, by which part drove CPU and which drove memory: it depends on the settings only. */
    private final String[][] forecastBasis;

    public CapacityEstimator(CapacitySettings settings) {
        this.settings = settings;
        UseForecast.Part[] parts = UseForecast.Part.values();
        this.forecastBasis = new String[parts.length][parts.length];
        for (UseForecast.Part cpu : parts) {
            for (UseForecast.Part memory : parts) {
                forecastBasis[cpu.ordinal()][memory.ordinal()] = "incumbents' CPU by "
                        + describe(cpu, settings.forecast().cpuPercentile()) + ", memory by "
                        + describe(memory, settings.forecast().memoryPercentile());
            }
        }
    }

    public CapacitySettings settings() {
        return settings;
    }

    /** An empty history with this estimator's forecast settings, for a caller to feed readings to. */
    public IncumbentHistory newHistory() {
        return new IncumbentHistory(settings.forecast());
    }

    /**
     * {@code lastHeardAt} and {@code now} are on the caller's clock (staleness and lending hours); the forecast is
     * taken on the node's own clock, as of its newest reading, so clock skew between them does not matter.
     */
    public CapacityEstimate estimate(IncumbentHistory history, Instant lastHeardAt, LendingPolicy policy, Instant now) {
        IncumbentForecast f = history.forecast();
        if (f == null) {
            return CapacityEstimate.nothing(Resources.ZERO, "no readings yet");
        }
        Resources capacity = f.capacity();
        if (lastHeardAt.plus(settings.staleAfter()).isBefore(now)) {
            return CapacityEstimate.nothing(capacity, "no report since " + lastHeardAt);
        }
        Millicores headroom = settings.cpuHeadroom();
        Bytes reserve = settings.memoryReserve(capacity.memory());
        String forecastBasis = this.forecastBasis[f.cpu().drivenBy().ordinal()][f.memory().drivenBy().ordinal()];
        return switch (policy.decide(now)) {
            case LendingPolicy.Withhold w -> new CapacityEstimate(capacity, f.cpu(), headroom, Millicores.ZERO, Millicores.ZERO,
                    f.memory(), reserve, Bytes.ZERO, Bytes.ZERO, false, f.confidence(), null,
                    "lends nothing: " + w.reason() + (w.resumes() == null ? "" : " until " + w.resumes()) + "; " + forecastBasis);
            case LendingPolicy.Lend l -> {
                Millicores cpuCap = new Millicores((long) Math.floor(capacity.cpu().value() * l.cpuFraction()));
                Bytes memCap = capacity.memory().times(l.memoryFraction());
                Millicores cpu = capacity.cpu().minus(new Millicores(f.cpu().forecast())).minus(headroom);
                Millicores lendMin = settings.cpuLendMin().compareTo(capacity.cpu()) < 0 ? settings.cpuLendMin() : capacity.cpu();
                if (cpu.compareTo(lendMin) < 0) {
                    cpu = lendMin;
                }
                Bytes mem = capacity.memory().minus(new Bytes(f.memory().forecast())).minus(reserve);
                boolean cpuCapped = cpuCap.compareTo(cpu) < 0;
                boolean memCapped = memCap.compareTo(mem) < 0;
                String capped = cpuCapped || memCapped
                        ? "; capped by lending policy at " + percent(l.cpuFraction()) + " CPU, " + percent(l.memoryFraction()) + " memory"
                        : "";
                yield new CapacityEstimate(capacity, f.cpu(), headroom, cpuCap, cpuCapped ? cpuCap : cpu, f.memory(), reserve, memCap,
                        memCapped ? memCap : mem, false, f.confidence(), l.until(), capped.isEmpty() ? forecastBasis : forecastBasis + capped);
            }
        };
    }

    /** Convenience for a list of readings, oldest first, with no lending policy; the last reading is the last heard. */
    public CapacityEstimate estimate(List<NodeSample> history, Instant now) {
        if (history.isEmpty()) {
            return CapacityEstimate.nothing(Resources.ZERO, "no readings yet");
        }
        IncumbentHistory h = newHistory();
        history.forEach(h::record);
        return estimate(h, history.get(history.size() - 1).at(), LendingPolicy.OPEN, now);
    }

    /** CPU requests may add up to this on the node: lendable CPU times the over-commit factor. */
    public Millicores cpuLimit(CapacityEstimate e) {
        return e.stale() ? Millicores.ZERO : e.lendableCpu().times(settings.cpuOvercommit());
    }

    /** The admission rule of the Interfaces: CPU requests within lendable CPU x over-commit, memory never over-committed. */
    public boolean admits(CapacityEstimate e, Resources allocated, Resources request) {
        if (e.stale()) {
            return false;
        }
        return allocated.cpu().plus(request.cpu()).compareTo(cpuLimit(e)) <= 0
                && allocated.memory().plus(request.memory()).compareTo(e.lendableMemory()) <= 0;
    }

    private String describe(UseForecast.Part part, double percentile) {
        return switch (part) {
            case CURRENT -> "the current reading";
            case RECENT -> "p" + percent(percentile).replace("%", "") + " of recent use (half-life "
                    + settings.forecast().halfLife().toMinutes() + " min)";
            case DAILY -> "the daily profile of the next " + settings.forecast().horizon().toMinutes() + " min";
        };
    }

    private static String percent(double f) {
        double p = f * 100;
        // Called for every capped node at every cycle: String.format only where a decimal is needed.
        return (p == Math.rint(p) ? Long.toString((long) p) : String.format(Locale.ROOT, "%.1f", p)) + "%";
    }
}
