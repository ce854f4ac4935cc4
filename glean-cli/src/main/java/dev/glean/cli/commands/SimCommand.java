package dev.glean.cli.commands;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glean.api.WireJson;
import dev.glean.cli.CliException;
import dev.glean.sim.EstimatorKind;
import dev.glean.sim.SimComparison;
import dev.glean.sim.SimReport;
import dev.glean.sim.SimSettings;
import dev.glean.sim.trace.NodeTrace;
import dev.glean.sim.trace.SyntheticTraces;
import dev.glean.sim.trace.TraceCsv;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Replays a cluster in virtual time with the real estimator, scheduler and guard (docs/SIM.md). Without
 * {@code --no-risk-aware} or {@code --estimator}, runs the default and both ablations and prints them side by side.
 */
@Command(name = "sim", description = "Simulate lending on a cluster in virtual time: harvest, waste, evictions, shortfalls (docs/SIM.md).")
public final class SimCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--nodes", paramLabel = "N", description = "nodes (default 1000; with --trace, all of the trace's)")
    Integer nodes;

    @Option(names = "--days", paramLabel = "D", defaultValue = "7", description = "virtual days (default 7)")
    double days;

    @Option(names = "--trace", paramLabel = "FILE", description = "incumbents from CSV (glean or Alibaba 2018 machine_usage layout) instead of the synthetic mix")
    Path trace;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "seed of the synthetic incumbents and the job stream (default 1)")
    long seed;

    @Option(names = "--no-risk-aware", description = "only the ablation without eviction-risk-aware placement")
    boolean noRiskAware;

    @Option(names = "--estimator", paramLabel = "forecast|naive", description = "only this estimator (naive: lend what is free now)")
    String estimator;

    @Option(names = "--step", paramLabel = "SECONDS", defaultValue = "60", description = "virtual seconds per step (default 60)")
    int step;

    @Option(names = "-o", paramLabel = "FORMAT")
    String output;

    @Override
    public Integer call() {
        Output.check(output);
        SimSettings base = SimSettings.defaults(nodes == null ? 1000 : nodes, days, seed).withStep(step);
        List<NodeTrace> traces;
        if (trace != null) {
            traces = TraceCsv.read(trace, step);
            if (nodes != null) {
                if (nodes > traces.size()) {
                    throw new CliException(CliException.USAGE, "--nodes " + nodes + ": the trace has only " + traces.size() + " nodes");
                }
                traces = traces.subList(0, nodes);
            }
            base = base.withNodes(traces.size());
        } else {
            traces = SyntheticTraces.generate(base.nodes(), base.steps(), step, seed);
        }
        List<SimSettings> runs;
        if (noRiskAware || estimator != null) {
            SimSettings one = base.withRiskAware(!noRiskAware);
            runs = List.of(estimator == null ? one : one.withEstimator(EstimatorKind.parse(estimator)));
        } else {
            runs = SimComparison.withAblations(base);
        }
        SimComparison result = SimComparison.run(runs, traces, Runtime.getRuntime().availableProcessors());
        PrintWriter out = spec.commandLine().getOut();
        if (Output.json(output)) {
            Output.print(out, json(result));
        } else {
            out.printf(Locale.ROOT, "%d nodes (%s), %s days in %d s steps, seed %d%n", base.nodes(),
                    trace != null ? "trace " + trace : "synthetic mix", fmt(base.days()), step, seed);
            result.print(out);
        }
        return 0;
    }

    private static ObjectNode json(SimComparison c) {
        ObjectNode root = WireJson.mapper().createObjectNode();
        ArrayNode runs = root.putArray("runs");
        for (SimReport r : c.reports()) {
            ObjectNode n = runs.addObject();
            n.put("variant", r.variant());
            n.put("nodes", r.nodes());
            n.put("days", r.days());
            n.put("seed", r.seed());
            n.put("stepSeconds", r.stepSeconds());
            n.put("idleCoreHours", r.idleCoreHours());
            n.put("harvestedCoreHours", r.harvestedCoreHours());
            n.put("harvestedPercent", r.harvestedPercent());
            n.put("wastedCoreHours", r.wastedCoreHours());
            n.put("wastedPercent", r.wastedPercent());
            n.put("idleUnusedCoreHours", r.idleUnusedCoreHours());
            n.put("evictions", r.evictions());
            n.put("memoryShortfalls", r.memoryShortfalls());
            n.put("cpuForecastViolations", r.cpuForecastViolations());
            n.put("nodeStepsLending", r.nodeStepsLending());
            n.put("tasksStarted", r.tasksStarted());
            n.put("tasksCompleted", r.tasksCompleted());
            n.put("tasksRunningAtEnd", r.tasksRunningAtEnd());
            n.put("wallSeconds", r.wallSeconds());
            ObjectNode kinds = n.putObject("byKind");
            r.byKind().forEach((kind, k) -> kinds.putObject(kind).put("nodes", k.nodes()).put("idleCoreHours", k.idleCoreHours())
                    .put("harvestedCoreHours", k.harvestedCoreHours()).put("wastedCoreHours", k.wastedCoreHours())
                    .put("evictions", k.evictions()));
        }
        return root;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
