package dev.glean.sim;

import dev.glean.core.schedule.CapacitySettings;
import dev.glean.sim.trace.SyntheticTraces;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The sweep behind the tuned defaults (docs/PERFORMANCE.md), not a test: {@code NODES DAYS [OVERCOMMIT:CPU_PERCENTILE ...]}
 * runs each pair of settings with and without risk-aware placement on the synthetic mix (seed 1), side by side;
 * with no pairs, the default and its ablations.
 */
public final class SimSweep {
    public static void main(String[] a) {
        int nodes = Integer.parseInt(a[0]);
        double days = Double.parseDouble(a[1]);
        SimSettings s = SimSettings.defaults(nodes, days, 1);
        var traces = SyntheticTraces.generate(nodes, s.steps(), s.stepSeconds(), 1);
        List<SimSettings> runs = new ArrayList<>();
        if (a.length == 2) {
            runs.addAll(SimComparison.withAblations(s));
        }
        for (int i = 2; i < a.length; i++) {
            String[] k = a[i].split(":");
            CapacitySettings d = CapacitySettings.DEFAULTS;
            CapacitySettings c = new CapacitySettings(Double.parseDouble(k[0]), d.cpuHeadroom(), d.memoryReserveFraction(), d.memoryReserveMin(),
                    d.staleAfter(), new dev.glean.core.forecast.ForecastSettings(d.forecast().halfLife(), d.forecast().horizon(),
                            Double.parseDouble(k[1]), d.forecast().memoryPercentile(), d.forecast().zone(), d.forecast().profileSlots(),
                            d.forecast().profileDays(), d.forecast().profileSigmas(), d.forecast().maxSampleGap()));
            runs.add(s.withCapacity(c));
            runs.add(s.withCapacity(c).withRiskAware(false));
        }
        SimComparison.run(runs, traces, 2).print(new PrintWriter(System.out, true));
    }
}
