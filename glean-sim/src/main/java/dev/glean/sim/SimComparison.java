package dev.glean.sim;

import dev.glean.core.error.ErrorCode;
import dev.glean.core.error.GleanException;
import dev.glean.sim.trace.NodeTrace;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The default run and its ablations ({@code --no-risk-aware}, {@code --estimator naive}) on the same traces and
 * job stream, each in its own thread (runs share nothing but the read-only traces), printed side by side.
 */
public record SimComparison(List<SimReport> reports) {
    public SimComparison {
        reports = List.copyOf(reports);
    }

    /** The default settings and the two ablations, in that order. */
    public static List<SimSettings> withAblations(SimSettings base) {
        return List.of(base, base.withRiskAware(false), base.withEstimator(EstimatorKind.NAIVE));
    }

    public static SimComparison run(List<SimSettings> variants, List<NodeTrace> traces, int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, variants.size())), r -> {
            Thread t = new Thread(r, "glean-sim");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<SimReport>> futures = new ArrayList<>();
            for (SimSettings s : variants) {
                futures.add(pool.submit(() -> new Simulation(s, traces).run()));
            }
            List<SimReport> out = new ArrayList<>();
            for (Future<SimReport> f : futures) {
                out.add(f.get());
            }
            return new SimComparison(out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GleanException(ErrorCode.INTERNAL, "simulation interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GleanException g) {
                throw g;
            }
            throw new GleanException(ErrorCode.INTERNAL, "simulation failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    public void print(PrintWriter out) {
        List<String[]> rows = new ArrayList<>();
        rows.add(row("", r -> r.variant()));
        rows.add(row("idle core-hours", r -> f0(r.idleCoreHours())));
        rows.add(row("harvested core-hours", r -> f0(r.harvestedCoreHours())));
        rows.add(row("  % of idle", r -> f1(r.harvestedPercent()) + " %"));
        rows.add(row("wasted by evictions, core-hours", r -> f0(r.wastedCoreHours())));
        rows.add(row("  % of idle", r -> f1(r.wastedPercent()) + " %"));
        rows.add(row("idle and unused, core-hours", r -> f0(r.idleUnusedCoreHours())));
        rows.add(row("evictions", r -> Long.toString(r.evictions())));
        rows.add(row("memory shortfalls (node-steps)", r -> Long.toString(r.memoryShortfalls())));
        rows.add(row("CPU forecast violations (node-steps)", r -> r.cpuForecastViolations() + " of " + r.nodeStepsLending()));
        rows.add(row("tasks started / completed", r -> r.tasksStarted() + " / " + r.tasksCompleted()));
        rows.add(row("wall time, s", r -> f1(r.wallSeconds())));
        printAligned(out, rows);
        java.util.TreeSet<String> kinds = new java.util.TreeSet<>();
        reports.forEach(r -> kinds.addAll(r.byKind().keySet()));
        if (kinds.size() > 1) {
            out.println("by kind of incumbent: harvested % of its idle core-hours / wasted core-hours / evictions");
            List<String[]> k = new ArrayList<>();
            for (String kind : kinds) {
                k.add(row("  " + kind + " (" + reports.get(0).byKind().get(kind).nodes() + " nodes)", r -> {
                    SimReport.Kind x = r.byKind().get(kind);
                    double idle = Math.max(1e-9, x.idleCoreHours());
                    return f1(100 * x.harvestedCoreHours() / idle) + " % / " + f0(x.wastedCoreHours()) + " / " + x.evictions();
                }));
            }
            printAligned(out, k);
        }
        for (SimReport r : reports) {
            out.println(r.summary());
        }
        out.flush();
    }

    private void printAligned(PrintWriter out, List<String[]> rows) {
        int[] w = new int[reports.size() + 1];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-" + w[0] + "s", r[0]));
            for (int i = 1; i < r.length; i++) {
                sb.append("  ").append(String.format(Locale.ROOT, "%" + w[i] + "s", r[i]));
            }
            out.println(sb.toString().stripTrailing());
        }
    }

    private String[] row(String name, Function<SimReport, String> cell) {
        String[] r = new String[reports.size() + 1];
        r[0] = name;
        for (int i = 0; i < reports.size(); i++) {
            r[i + 1] = cell.apply(reports.get(i));
        }
        return r;
    }

    private static String f0(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
