package dev.glean.agent.guard;

import dev.glean.api.PrometheusText;
import dev.glean.core.guard.CpuCap;
import dev.glean.core.guard.GuardAction;
import dev.glean.core.guard.GuardEvents;
import dev.glean.core.guard.GuardReadings;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The guard in numbers for /metrics: every action counted by kind (each CPU cap move too, though the event log
 * gets them folded), failed actions, failed readings, the cap in force and the key readings of the last step.
 */
public final class GuardMetrics implements NodeGuard.Listener {
    private final Map<String, Long> actions = new TreeMap<>();
    private final Map<String, Long> failed = new TreeMap<>();
    private long readingFailures;
    private CpuCap cap;
    private volatile GuardReadings last;

    public GuardMetrics() {
        for (String k : GuardEvents.KINDS) {
            actions.put(k, 0L);
            failed.put(k, 0L);
        }
    }

    @Override
    public synchronized void onEvent(NodeGuard.Event e) {
        String kind = GuardEvents.kind(e.action());
        if (e.error() != null) {
            failed.merge(kind, 1L, Long::sum);
            return;
        }
        actions.merge(kind, 1L, Long::sum);
        if (e.action() instanceof GuardAction.SetCpuQuota q) {
            cap = q.cap();
        }
    }

    @Override
    public synchronized void onFailure(String message) {
        readingFailures++;
    }

    /** Wraps the guard's reading source so the last reading is kept for the gauges. */
    public Supplier<GuardReadings> watching(Supplier<GuardReadings> readings) {
        return () -> {
            GuardReadings r = readings.get();
            last = r;
            return r;
        };
    }

    public synchronized long actions(String kind) {
        return actions.getOrDefault(kind, 0L);
    }

    public synchronized void write(PrometheusText out) {
        out.family("glean_agent_guard_actions_total", PrometheusText.Type.COUNTER,
                "Guard actions carried out, by kind (every CPU cap move counts)");
        actions.forEach((k, v) -> out.sample(v, "kind", k));
        out.family("glean_agent_guard_action_failures_total", PrometheusText.Type.COUNTER,
                "Guard actions that failed (a refused cgroup write), by kind");
        failed.forEach((k, v) -> out.sample(v, "kind", k));
        out.family("glean_agent_guard_reading_failures_total", PrometheusText.Type.COUNTER,
                "Guard steps whose reading or decision failed");
        out.sample(readingFailures);
        out.family("glean_agent_cpu_cap_cores", PrometheusText.Type.GAUGE,
                "CPU cap on all secondaries together, in CPUs; +Inf when uncapped or not set yet");
        out.sample(cap instanceof CpuCap.Limit l ? l.cpu().value() / 1000.0 : Double.POSITIVE_INFINITY);
        GuardReadings r = last;
        if (r == null) {
            return;
        }
        out.family("glean_agent_incumbent_runqueue_wait_ratio", PrometheusText.Type.GAUGE,
                "Incumbents' run-queue wait per second per CPU over the guard's last reading (seconds of wait per second)");
        out.sample(r.runQueueWaitPerCpu());
        out.family("glean_agent_memory_available_bytes", PrometheusText.Type.GAUGE, "Host MemAvailable at the guard's last reading");
        out.sample(r.memoryAvailable().value());
        out.family("glean_agent_memory_total_bytes", PrometheusText.Type.GAUGE, "Host memory");
        out.sample(r.memoryTotal().value());
        out.family("glean_agent_incumbent_pressure_stall_ratio", PrometheusText.Type.GAUGE,
                "Incumbents' PSI 'some' stall per second over the guard's last reading, by resource (absent without PSI)");
        if (r.stalls().measured()) {
            out.sample(r.fraction(r.stalls().cpu()), "resource", "cpu");
            out.sample(r.fraction(r.stalls().memory()), "resource", "memory");
            out.sample(r.fraction(r.stalls().io()), "resource", "io");
        }
        out.family("glean_agent_incumbent_cpu_cores", PrometheusText.Type.GAUGE, "CPU the incumbents used over the last reading");
        out.sample(r.incumbentCpu().value() / 1000.0);
        out.family("glean_agent_secondary_cpu_cores", PrometheusText.Type.GAUGE, "CPU the secondaries used over the last reading");
        out.sample(r.secondaryCpu().value() / 1000.0);
    }
}
