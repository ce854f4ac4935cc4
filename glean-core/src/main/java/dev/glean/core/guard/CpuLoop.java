package dev.glean.core.guard;

import dev.glean.core.guard.GuardAction.SetCpuQuota;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The CPU part of the guard: a cap on the secondaries' CFS quota, cut fast when the incumbents wait and grown back
 * slowly, under a ceiling that follows the incumbents' own use. See {@link GuardPolicy} for the why.
 */
final class CpuLoop {
    /**
     * How slowly the incumbents' own wait is learned, and the most of it that counts (as a multiple of the mode's
     * allowance): a host whose incumbents wait a lot on their own must not end up with no target at all.
     */
    static final Duration OWN_WAIT_SMOOTHING = Duration.ofSeconds(10);
    static final double OWN_WAIT_MAX = 3;
    private final GuardSettings.Cpu s;

    CpuLoop(GuardSettings.Cpu s) {
        this.s = s;
    }

    GuardState.Cpu step(GuardState.Cpu st, GuardReadings r, Instant now, List<GuardAction> out) {
        long capacity = r.capacity();
        if (!s.loop()) {
            if (!CpuCap.UNLIMITED.equals(st.applied())) {
                out.add(new SetCpuQuota(CpuCap.UNLIMITED,
                        "max-harvest: secondaries run in the idle class with no CPU quota",
                        new Readout().put("capacityMillicores", capacity).map()));
            }
            return new GuardState.Cpu(CpuCap.UNLIMITED, 0, 0, 0, Long.MAX_VALUE, null, null, false, -1);
        }
        double dt = r.interval().toNanos() / 1e9;
        double wait = r.runQueueWaitPerCpu();
        double stall = r.stalls().measured() ? r.fraction(r.stalls().cpu()) : 0;
        long incumbent = r.incumbentCpu().value();

        double waitAverage = st.waitAverage();
        double incumbentAverage = st.incumbentAverage();
        double peak = st.incumbentPeak();
        boolean started = st.started();
        if (dt > 0) {
            if (!started) {
                waitAverage = wait;
                incumbentAverage = incumbent;
                peak = incumbent;
                started = true;
            } else {
                waitAverage = GuardPolicy.smooth(waitAverage, clipped(wait, st.ownWait()), r.interval(), s.smoothing());
                incumbentAverage = GuardPolicy.smooth(incumbentAverage, incumbent, r.interval(), s.incumbentSmoothing());
                // A peak that decays linearly: a burst lowers the ceiling at once, its end raises it over seconds.
                peak = Math.max(incumbentAverage, peak - s.peakDecayPerSecond() * capacity * dt);
            }
        }

        long floor = Math.max(1, Math.round(s.floor() * capacity));
        long ceiling = s.followPeak() ? capacity - Math.round(peak) - Math.round(s.headroom() * capacity) : capacity;
        if (s.reserved() > 0 || s.reservedMin() > 0) {
            long reserved = Math.max(Math.round(s.reserved() * capacity), s.reservedMin());
            ceiling = Math.min(ceiling, capacity - reserved);
        }
        ceiling = Math.max(floor, ceiling);
        long current = st.applied() == null ? ceiling : st.applied().millicores(capacity);
        long secondary = r.secondaryCpu().value();
        // The target is the incumbents' own wait plus what the secondaries may add to it: a busy database waits for
        // CPU with nothing else on the host (threads outnumber cores), and a fixed target at or below that wait would
        // hold the secondaries at their floor for nothing, one just above it would leave them a sliver. Its own wait
        // is what it waits while the secondaries hardly run (at their floor, or before they start): learned slowly,
        // and capped. Cut above own + allowance, grow below own + lowWater x allowance, hold in between.
        double own = st.ownWait();
        if (dt > 0 && started && secondary <= Math.max(s.blame() * capacity, floor)) {
            own = own < 0 ? wait : GuardPolicy.smooth(own, wait, r.interval(), OWN_WAIT_SMOOTHING);
        }
        double target = target(own);
        double lowWater = ownCounted(own) + s.lowWater() * allowance(own);

        boolean spike = wait >= target * s.spike();
        boolean stalled = s.cpuStallTarget() > 0 && stall >= s.cpuStallTarget();
        // The average filters noise; the newest reading confirms the harm goes on. Without it the average, which
        // lags, would go on cutting for a few readings after a cut had already ended the harm.
        boolean hurting = (waitAverage >= target && wait >= target) || spike || stalled;
        // Cutting secondaries that hardly run would not help the incumbents: their wait is their own.
        boolean blame = secondary >= s.blame() * capacity;

        long next = current;
        String why = null;
        Instant lastCut = st.lastCut();
        Instant lastGrowth = st.lastGrowth();
        long lastHarmCap = st.lastHarmCap();
        if (dt > 0 && hurting && blame && GuardPolicy.elapsed(st.lastCut(), now, s.cutSpacing())) {
            // Cut from what they use when the cap is above it, else a cut of an unused cap changes nothing.
            long base = Math.min(current, Math.max(secondary, floor));
            next = Math.max(floor, Math.round(base * s.cut()));
            // Cuts that follow one another within the hold are one harm: the smoothed wait lags a cut by a few
            // readings, so the later cuts of such a series say little about the cap that hurt, and remembering the
            // last (lowest) would make the regrowth past it crawl (measured: 30 s back to the whole node).
            if (st.lastCut() == null || GuardPolicy.elapsed(st.lastCut(), now, s.hold())) {
                lastHarmCap = base;
            }
            lastCut = now;
            why = (spike ? String.format(Locale.ROOT, "incumbents' run-queue wait jumped to %.0f ms/s", ms(wait, r))
                    : stalled ? String.format(Locale.ROOT, "incumbents' CPU pressure reached %.0f%%", stall * 100)
                    : String.format(Locale.ROOT, "incumbents' run-queue wait averaged %.0f ms/s", ms(waitAverage, r)))
                    + String.format(Locale.ROOT, " (target %.0f ms/s): cut secondaries' CPU", ms(target, r));
        } else if (dt > 0 && !spike && !stalled && waitAverage < lowWater && current < ceiling
                && GuardPolicy.elapsed(st.lastCut(), now, s.hold()) && GuardPolicy.elapsed(st.lastGrowth(), now, s.growEvery())) {
            double step = s.growStep() * capacity;
            if (current + step <= 0.9 * lastHarmCap) {
                step *= 2; // far below the cap that last hurt: recover quickly
            } else if (current >= lastHarmCap) {
                step /= 2; // past it: probe slowly
            }
            next = Math.min(ceiling, current + Math.max(1, Math.round(step)));
            lastGrowth = now;
            why = String.format(Locale.ROOT, "incumbents' run-queue wait averaged %.0f ms/s (target %.0f ms/s): grow secondaries' CPU",
                    ms(waitAverage, r), ms(target, r));
        }
        long minChange = Math.round(s.minChange() * capacity);
        if (next > ceiling && (why != null || st.applied() == null || current - ceiling >= s.ceilingSlack() * capacity)) {
            next = ceiling;
            if (why == null) {
                why = String.format(Locale.ROOT, "incumbents used up to %.2f CPU: keep %.2f CPU free beside them",
                        peak / 1000, (capacity - ceiling - peak) / 1000);
            }
        }

        CpuCap cap = CpuCap.of(next, capacity);
        boolean write = st.applied() == null || (!cap.equals(st.applied()) && Math.abs(next - current) >= Math.max(1, minChange));
        if (write) {
            if (why == null) {
                why = "start the secondaries under the ceiling the incumbents' use allows";
            }
            out.add(new SetCpuQuota(cap, why + " from " + capText(st.applied(), capacity) + " to " + cap,
                    new Readout()
                            .put("waitMsPerSecond", ms(wait, r))
                            .put("waitAverageMsPerSecond", ms(waitAverage, r))
                            .put("targetMsPerSecond", ms(target, r))
                            .put("ownWaitMsPerSecond", ms(Math.max(0, own), r))
                            .put("cpuStallPercent", stall * 100)
                            .put("incumbentMillicores", incumbent)
                            .put("incumbentPeakMillicores", Math.round(peak))
                            .put("secondaryMillicores", secondary)
                            .put("ceilingMillicores", ceiling)
                            .put("capBeforeMillicores", current)
                            .put("capMillicores", cap.millicores(capacity))
                            .map()));
        }
        return new GuardState.Cpu(write ? cap : st.applied(), waitAverage, incumbentAverage, peak, lastHarmCap, lastCut,
                lastGrowth, started, own);
    }

    /** One reading as it counts in the average: at most {@code clip} times the target (as of the previous reading). */
    private double clipped(double wait, double own) {
        if (s.clip() <= 0) {
            return wait;
        }
        return Math.min(wait, s.clip() * target(own));
    }

    /** The wait the loop cuts above: the incumbents' own (where the mode follows it) plus the allowance. */
    private double target(double own) {
        return ownCounted(own) + allowance(own);
    }

    /** The incumbents' own wait as it counts: none where the mode keeps a fixed target, else at most a few allowances. */
    private double ownCounted(double own) {
        return s.followOwnWait() ? Math.min(Math.max(0, own), OWN_WAIT_MAX * s.waitTarget()) : 0;
    }

    /** What the secondaries may add to the incumbents' own wait: the mode's, or a share of the own wait if more. */
    private double allowance(double own) {
        return Math.max(s.waitTarget(), s.ownShare() * ownCounted(own));
    }

    /** Waiting threads per CPU as milliseconds of wait per second on the whole node. */
    private static double ms(double perCpu, GuardReadings r) {
        return perCpu * r.cpus() * 1000;
    }

    private static String capText(CpuCap applied, long capacity) {
        return applied == null ? "whatever the cgroup held" : applied.toString();
    }
}
