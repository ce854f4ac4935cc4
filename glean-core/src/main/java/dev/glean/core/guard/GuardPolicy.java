package dev.glean.core.guard;

import dev.glean.core.guard.GuardAction.Evict;
import dev.glean.core.guard.GuardAction.ResumeAdmitting;
import dev.glean.core.guard.GuardAction.StopAdmitting;
import dev.glean.core.guard.GuardReadings.Secondary;
import dev.glean.core.guard.GuardState.MemoryLevel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The node guard's rules: (reading, state, time) -> (new state, actions). Pure; the agent reads the node about
 * every 100 ms, calls {@link #decide} and carries the actions out, without waiting for the controller.
 *
 * <h2>CPU</h2>
 * Secondaries always run in the kernel's idle class; that protects the incumbents' throughput but not their
 * latency (HOST-FACTS: a database's run-queue wait went from 80 to 208 ms/s beside two idle-class hogs). So in
 * balanced and strict mode a loop caps the secondaries' CFS quota:
 * <ul>
 *   <li>Signal: the incumbents' run-queue wait per second and CPU, averaged over ~1 s, one reading counting at most
 *       {@code clip} times the target (100 ms readings are noisy: a naive loop that cut on every noisy reading gave
 *       up most of the harvest, and a 200-300 ms average still cut on the incumbents' own bursts); a mode may also
 *       cut at once on one reading above {@code spike} times the target (none does). The incumbents' per-cgroup CPU
 *       pressure counts too. The target is the incumbents' own wait plus what the secondaries may add.</li>
 *   <li>Fast cut: on harm the cap drops to {@code cut} times what the secondaries use (not their cap: cutting an
 *       unused cap changes nothing), at most every {@code cutSpacing}. Harm counts only while the secondaries
 *       actually use CPU.</li>
 *   <li>Slow growth: nothing for {@code hold} after a cut, then an additive step every {@code growEvery} while the
 *       average is well below the target (the band between is the hysteresis). Steps double while far below
 *       the cap that last hurt and halve beyond it, so the cap returns quickly to near where trouble began and
 *       then creeps (as TCP CUBIC does around its last loss).</li>
 *   <li>Ceiling (a switch, off in every mode since measured, see {@link GuardSettings.Cpu}): capacity minus the
 *       incumbents' recent peak use minus {@code headroom}, and a fixed part of the node kept back ({@code
 *       reserved}, which strict had until measured). The naive loop lacked all four.</li>
 * </ul>
 * max-harvest runs no loop and lifts any cap.
 *
 * <h2>Memory</h2> see {@link MemoryLadder}: stop admitting, reclaim the secondaries' page cache, evict, in that
 * order, each level left only after its watermark plus a margin held for a cool-down. Eviction takes the
 * lowest-priority newest containers, enough of them at once to get back above the reserve (or above where a fast
 * fall would take it within a second); while memory is short it evicts more at once whenever what is on its way
 * back does not cover the shortage. Every mode keeps this ladder: the kernel cannot take memory back by itself.
 *
 * <h2>io and tasks</h2> see {@link IoThrottle} (balanced and strict) and {@link PidsWatch}.
 */
public final class GuardPolicy {
    private final GuardSettings settings;
    private final CpuLoop cpu;
    private final MemoryLadder memory;
    private final IoThrottle io;
    private final PidsWatch pids;

    public GuardPolicy(GuardSettings settings) {
        this.settings = settings;
        this.cpu = new CpuLoop(settings.cpu());
        this.memory = new MemoryLadder(settings.memory());
        this.io = new IoThrottle(settings.io());
        this.pids = new PidsWatch(settings.pids());
    }

    public GuardSettings settings() {
        return settings;
    }

    /** The new state and what to do, in the order to do it. */
    public record Decision(GuardState state, List<GuardAction> actions) {
        public Decision {
            actions = List.copyOf(actions);
        }
    }

    public Decision decide(GuardReadings r, GuardState st, Instant now) {
        List<GuardAction> actions = new ArrayList<>();
        Set<String> live = r.secondaries().stream().map(Secondary::id).collect(Collectors.toSet());
        Set<String> evicting = new HashSet<>(st.evicting());
        evicting.retainAll(live); // gone from the node: done

        MemoryLadder.Assessment mem = memory.assess(st.memory(), r, now);
        PidsWatch.Assessment tasks = pids.assess(st.pids(), r, now);

        boolean stop = mem.state().level().compareTo(MemoryLevel.TIGHT) >= 0 || tasks.stopReason() != null;
        if (stop && st.admitting()) {
            String memoryWhy = String.format(Locale.ROOT, "memory is short (%s available, reserve %s, incumbents'"
                    + " memory stall %.0f%%)", r.memoryAvailable(), settings.memory().reserve(r.memoryTotal()),
                    mem.state().stallAverage() * 100);
            String why = mem.state().level() == MemoryLevel.NORMAL ? tasks.stopReason()
                    : memoryWhy + (tasks.stopReason() != null ? "; " + tasks.stopReason() : "");
            actions.add(new StopAdmitting(why + ": take no new secondaries", merged(mem.readout(), tasks.readout())));
        }

        GuardState.Cpu cpuState = cpu.step(st.cpu(), r, now, actions);
        GuardState.Io ioState = io.step(st.io(), r, now, actions);

        List<Secondary> candidates = r.secondaries().stream().filter(c -> !evicting.contains(c.id())).toList();
        List<Secondary> victims = List.of();
        String evictWhy = null;
        Readout evictReadout = null;
        // What containers already being evicted hold is on its way back (a stop takes a moment): count it as
        // freed, so one shortage does not evict twice.
        long inFlight = r.secondaries().stream().filter(c -> evicting.contains(c.id())).mapToLong(c -> c.memory().value()).sum();
        boolean cooled = elapsed(st.lastEviction(), now, settings.memory().evictCooldown());
        MemoryLadder.Need need = mem.need();
        if (need != null && need.shortage() && need.bytes() > inFlight) {
            // Memory is short now: evict what covers the rest at once, whatever was evicted a moment ago.
            victims = Victims.forMemory(candidates, need.bytes() - inFlight);
            evictWhy = need.reason();
            evictReadout = mem.readout();
        } else if (cooled && need != null && !need.shortage() && evicting.isEmpty()) {
            victims = Victims.forMemory(candidates, 0);
            evictWhy = need.reason();
            evictReadout = mem.readout();
        } else if (cooled && need == null && tasks.evictReason() != null && evicting.isEmpty()) {
            victims = Victims.forTasks(candidates);
            evictWhy = tasks.evictReason();
            evictReadout = tasks.readout();
        }
        Set<String> excluded = new HashSet<>(evicting);
        victims.forEach(v -> excluded.add(v.id()));
        var reclaimed = memory.limits(mem.state().level(), st.memory().reclaimed(), r, excluded, mem.readout(), actions);

        for (Secondary v : victims) {
            Readout readout = new Readout();
            evictReadout.map().forEach(readout::put);
            readout.put("priority", v.priority()).put("containerMemoryMiB", MemoryLadder.mib(v.memory().value()))
                    .put("containerTasks", v.tasks());
            actions.add(new Evict(v.id(), evictWhy + ": evict " + v.id() + " (priority " + v.priority()
                    + ", holding " + v.memory() + ", started " + v.startedAt() + ")", readout.map()));
            evicting.add(v.id());
        }

        if (!stop && !st.admitting()) {
            actions.add(new ResumeAdmitting("memory and threads are clear again: take new secondaries",
                    merged(mem.readout(), tasks.readout())));
        }
        GuardState.Memory memState = mem.state().withReclaimed(reclaimed);
        return new Decision(new GuardState(cpuState, memState, ioState, tasks.state(), evicting,
                victims.isEmpty() ? st.lastEviction() : now, !stop), actions);
    }

    private static Map<String, Double> merged(Readout a, Readout b) {
        Readout m = new Readout();
        a.map().forEach(m::put);
        b.map().forEach(m::put);
        return m.map();
    }

    /** True if {@code since} is null (never) or at least {@code d} before {@code now}. */
    static boolean elapsed(Instant since, Instant now, Duration d) {
        return since == null || !now.isBefore(since.plus(d));
    }

    /** Exponential smoothing with time constant {@code tau}, right for any interval between readings. */
    static double smooth(double average, double value, Duration interval, Duration tau) {
        if (tau.isZero() || tau.isNegative()) {
            return value;
        }
        double a = 1 - Math.exp(-interval.toNanos() / (double) tau.toNanos());
        return average + a * (value - average);
    }
}
