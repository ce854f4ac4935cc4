package dev.glean.sim;

import dev.glean.sim.trace.SyntheticTraces;
import java.io.PrintWriter;

/** Scratch runner while developing (not a test). */
public final class SimTry {
    public static void main(String[] a) {
        int nodes = Integer.parseInt(a[0]);
        double days = Double.parseDouble(a[1]);
        SimSettings s = SimSettings.defaults(nodes, days, 1);
        var traces = SyntheticTraces.generate(nodes, s.steps(), s.stepSeconds(), 1);
        boolean all = a.length > 2;
        var c = SimComparison.run(all ? SimComparison.withAblations(s) : java.util.List.of(s), traces, 2);
        c.print(new PrintWriter(System.out, true));
    }
}
