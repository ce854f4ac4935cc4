package dev.glean.core.guard;

import dev.glean.core.resources.Bytes;
import dev.glean.core.schedule.CapacitySettings;
import java.time.Duration;

/**
 * The knobs of the node guard, one set per {@link GuardMode} ({@link #forMode}). Fractions of "capacity" are of
 * the node's CPUs; memory watermarks are multiples of the memory reserve, which is THE reserve of {@link
 * CapacitySettings}: the controller keeps it free when admitting, the guard evicts below it, so a job evicted
 * for memory is never admitted straight back.
 */
public record GuardSettings(GuardMode mode, Duration tick, Cpu cpu, Memory memory, Io io, Pids pids) {

    /**
     * The CPU quota loop (see {@link GuardPolicy} for how it runs).
     *
     * @param loop false: secondaries run in the idle class with no quota at all
     * @param waitTarget the run-queue wait the secondaries may add to the incumbents' own (see {@code followOwnWait}),
     *     as average waiting threads per CPU (0.075 = 75 ms of wait per second per CPU), smoothed over {@code
     *     smoothing}: the loop cuts above own + this (or {@code ownShare} of the own wait, if more)
     * @param spike a single interval above {@code waitTarget * spike} cuts at once, without waiting for the average
     * @param cpuStallTarget the incumbents' per-cgroup CPU pressure (some) that also counts as harm
     * @param cut the cap is multiplied by this on harm, at most once per {@code cutSpacing}
     * @param hold no growth for this long after a cut
     * @param growEvery one growth step at most this often, and only while the average wait is below the own wait
     *     plus {@code lowWater} times the allowance (between that and the target the cap holds: the hysteresis band)
     * @param growStep one growth step as a fraction of capacity: doubled while below the cap of the last harm,
     *     halved above it
     * @param floor the cap never goes below this fraction of capacity (secondaries keep making progress)
     * @param headroom the cap stays below capacity minus the incumbents' recent peak minus this fraction
     * @param reserved a fixed part of capacity secondaries never get (at least {@code reservedMin} millicores);
     *     zero in every mode. Strict kept max(1 CPU, 25 %) back until measured here (bench/protect, docs/PERFORMANCE.md,
     *     guard4): with glean's other waits out of its signal, the same strict without that reserve took 0.55 of the
     *     idle CPU at a p99 of 1.13x alone where cpu.idle=1 gave 1.57x in the same rounds (1.38x at 0.43 over ten rounds,
     *     with the reserve 1.42x at 0.25: the same tail for more harvest); a whole CPU kept idle had raised this
     *     incumbent's tail in the later of two earlier A/Bs and helped in the other (PERFORMANCE: cpuset tables)
     * @param blame harm counts only while secondaries use at least this fraction of capacity: else cutting them
     *     would not help the incumbents
     * @param minChange smaller changes of the cap are not written (quantised host CPU readings jitter)
     * @param ceilingSlack the ceiling alone lowers the cap only once the cap is this far (a fraction of capacity)
     *     above it, so a rising incumbent average does not rewrite the cap on every reading
     * @param cfsPeriod the CFS bandwidth period the cap is applied with. Measured here (bench/protect's rr incumbent
     *     beside two idle-class loops capped at one CPU, quiet rounds): a 10 ms period gave a p99 3.4-4.2x alone
     *     against 1.8-2.2x with the kernel's 100 ms, at the same harvest; 100 ms it is
     * @param confine a cap of k CPUs also confines the secondaries to the last {@link CpuCap#cpus ceil(k)} CPUs
     *     (cpuset), so the other CPUs never run a secondary: the incumbents always find a truly idle CPU there (a CPU
     *     running only idle-class work does not pull a queued incumbent thread the way an idle CPU does). Measured
     *     as above: one CPU by cpuset gave a p99 0.8-1.2x alone at ~60 % of the idle CPU, one CPU by quota 1.8-2.2x
     * @param followOwnWait the target is the incumbents' own wait plus the allowance (the own wait learned while the
     *     secondaries sit at their floor or before they start), so the loop lends where the incumbents wait on their own
     *     and judges the secondaries by the wait they add; false: the allowance is a fixed target. Both modes with a
     *     loop follow it. Strict had a fixed 100 ms/s until measured (bench/protect, docs/PERFORMANCE.md, session 6):
     *     idle-class hogs added ~86 ms/s to the benchmark's 20 of its own, just above it, and strict held them at 0.20
     *     of the idle CPU for a p99 no lower than balanced's at 0.97
     * @param ownShare where the own wait is high, the secondaries may add this share of it instead of {@code waitTarget}
     *     (a host whose incumbents wait much on their own waits unevenly): balanced a half; strict none, and its own
     *     wait counts up to 3 x 100 ms/s (balanced 3 x 150), so strict's target is never above balanced's
     * @param followPeak the ceiling follows the incumbents' recent peak use (capacity minus that peak minus {@code
     *     headroom}); false: the ceiling is capacity minus {@code reserved} alone. Off in every mode: measured here
     *     (bench/protect, docs/PERFORMANCE.md) it held balanced near 55-60 % of the idle CPU through a quota spread over
     *     every CPU, which raised the request/response incumbent's p99 above the plain idle class's instead of lowering
     *     it; the idle class already gives the incumbents any CPU they want at once
     * @param clip one reading counts at most this many times the target in the smoothed wait (0: no clip), so a
     *     burst of the incumbents' own (measured in bench/protect: 10 s of wait in one 100 ms reading while JVMs
     *     beside the incumbent started, own wait 0.4-0.6 s/s) needs two readings in a row to cut, where one sufficed;
     *     balanced and strict clip at 2 and have no single-reading spike cut (their spike is infinite). Strict had
     *     a spike at twice its target and a 200 ms smoothing, balanced 300 ms, until measured (bench/protect's rr
     *     incumbent, its guard's readings polled at 5 Hz): the incumbent alone gave 100 ms readings of 150-360 ms/s
     *     around a mean of ~40, so strict cut on its own noise, in series, several times in every 10 s run (0.30 of
     *     the idle CPU), and balanced in 3 of 10 runs (0.51-0.67) with no lower p99 for it. Both smooth over a second
     *     now (a wait above target for about half a second cuts) and cut at most every 500 ms, so a cut shows in the
     *     average before the next
     */
    public record Cpu(boolean loop, double waitTarget, double spike, Duration smoothing, double cpuStallTarget,
            double cut, Duration cutSpacing, Duration hold, Duration growEvery, double lowWater, double growStep,
            double floor, double headroom, double reserved, long reservedMin, double peakDecayPerSecond,
            Duration incumbentSmoothing, double blame, double minChange, double ceilingSlack, Duration cfsPeriod,
            boolean confine, boolean followOwnWait, double ownShare, boolean followPeak, double clip) {}

    /**
     * The memory ladder: stop admitting, then reclaim secondaries' page cache, then evict.
     *
     * @param reserve THE memory reserve (shared with the controller's admission)
     * @param admitStop stop admitting below this many reserves of available memory
     * @param reclaim lower secondaries' limits to reclaim their page cache below this many reserves, or when the
     *     incumbents' memory stall (smoothed over {@code stallSmoothing}) reaches {@code stallReclaim}
     * @param margin a level is left only above its watermark plus this many reserves (and with the stall below
     *     half its threshold) for the level's cool-down: {@code admitCoolDown}, {@code restoreAfter}
     * @param stallEvict smoothed stall that evicts although available memory is above the reserve, once the
     *     reclaim has had {@code reclaimGrace} to work (and only below the admission watermark: a stall of an
     *     incumbent at its own cgroup's limit is not the secondaries' doing)
     * @param evictTo evict until available memory would be this many reserves
     * @param evictCooldown after an eviction for the incumbents' stall the next waits this long (the stall is
     *     smoothed and lags); a shortage of memory evicts again at once when what is on its way back does not cover it
     * @param lookahead below the admission watermark, available memory falling at the rate of the last interval is
     *     projected this far ahead, and a projection below the reserve evicts now: an incumbent claiming GiB per
     *     second would run through the reserve between two readings otherwise
     * @param slackMin a reclaimed container's limit is its non-cache memory plus a slack, the larger of this and
     *     {@code slackFraction} of that memory, so it is not OOM-killed by its own limit when that memory grows
     * @param slackFraction see {@code slackMin}
     * @param minCache containers with less page cache than this are not worth a reclaim
     */
    public record Memory(CapacitySettings reserve, double admitStop, double reclaim, double margin,
            double stallReclaim, double stallEvict, Duration stallSmoothing, Duration admitCoolDown,
            Duration restoreAfter, Duration reclaimGrace, double evictTo, Duration evictCooldown, Duration lookahead,
            Bytes slackMin, double slackFraction, Bytes minCache) {

        public Bytes reserve(Bytes total) {
            return reserve.memoryReserve(total);
        }
    }

    /**
     * io throttles per device.
     *
     * @param busy a device counts as busy above this utilisation
     * @param stallTarget incumbents' io stall (smoothed) that, on a busy device, throttles the secondaries; without
     *     PSI, a utilisation of {@code busyWithoutPsi} does
     * @param share the first throttle allows secondaries this share of the device's current throughput
     *     (never less than {@code minBps} and {@code minIops}); halved every {@code tightenEvery} while the
     *     harm lasts; lifted after {@code coolDown} without harm
     */
    public record Io(boolean enabled, double busy, double busyWithoutPsi, double stallTarget, Duration stallSmoothing,
            double share, long minBps, long minIops, Duration tightenEvery, Duration coolDown) {}

    /** Threads on the host as a fraction of the kernel's limit: stop admitting, resume (after coolDown), evict. */
    public record Pids(double admitStop, double admitResume, double evict, Duration coolDown) {}

    /**
     * The settings of each mode. The CPU numbers start from HOST-FACTS: on 2 vCPUs a database under fixed load
     * waited 80 ms/s on run queues alone (0.04 per CPU) and 208 ms/s (0.104) beside two idle-class hogs; a naive
     * loop with a 120 ms/s target kept its p99 within 1.1-1.35x but left the hogs 22 % of the machine, a fixed
     * one-CPU cap 1.2-1.5x at 49 %. Balanced aims between the two (0.075 per CPU = 150 ms/s there) and adds what
     * the naive loop lacked: a smoothed signal, a hold after each cut, additive growth that slows near the last
     * harmful cap, and a target on top of the incumbents' own wait. Strict allows less on top and cuts by half.
     * Measured with bench/protect: docs/PERFORMANCE.md.
     */
    /**
     * One second ahead: the goal is the secondaries' memory freed within a second of a surge, and a kill plus the
     * kernel freeing a few GiB takes a few hundred ms here (bench/protect-memory).
     */
    static final Duration LOOKAHEAD = Duration.ofSeconds(1);

    public static GuardSettings forMode(GuardMode mode, CapacitySettings capacity) {
        Duration tick = Duration.ofMillis(100);
        return switch (mode) {
            case MAX_HARVEST -> new GuardSettings(mode, tick,
                    new Cpu(false, 0, 0, Duration.ofMillis(300), 0, 1, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                            0, 0, 0, 0, 0, 0, 0, Duration.ofMillis(200), 0, 0, 0, Duration.ofMillis(100), false, false, 0, false, 0),
                    new Memory(capacity, 1.5, 1.25, 0.25, 0.05, 0.25, Duration.ofSeconds(1), Duration.ofSeconds(15),
                            Duration.ofSeconds(5), Duration.ofMillis(500), 1.25, Duration.ofSeconds(1), LOOKAHEAD, Bytes.ofMiB(32),
                            0.10, Bytes.ofMiB(16)),
                    // io has no idle class here (mq-deadline, no blkio.weight: HOST-FACTS), so even max-harvest
                    // throttles, later and looser than balanced: a database-like writer kept a tenth of its
                    // throughput beside a disk hog by hand, 0.70 beside max-harvest's unthrottled one (bench/protect)
                    new Io(true, 0.8, 0.95, 0.10, Duration.ofSeconds(1), 0.5, 8L << 20, 100, Duration.ofSeconds(2),
                            Duration.ofSeconds(15)),
                    new Pids(0.90, 0.80, 0.97, Duration.ofSeconds(15)));
            case BALANCED -> new GuardSettings(mode, tick,
                    new Cpu(true, 0.075, Double.POSITIVE_INFINITY, Duration.ofSeconds(1), 0.20, 0.6,
                            Duration.ofMillis(500),
                            Duration.ofSeconds(1), Duration.ofMillis(500), 0.7, 0.05, 0.05, 0.10, 0, 0, 0.25,
                            Duration.ofMillis(200), 0.02, 0.01, 0.05, Duration.ofMillis(100), true, true, 0.5, false, 2),
                    new Memory(capacity, 2.0, 1.5, 0.25, 0.02, 0.10, Duration.ofSeconds(1), Duration.ofSeconds(30),
                            Duration.ofSeconds(10), Duration.ofMillis(500), 1.25, Duration.ofSeconds(1), LOOKAHEAD, Bytes.ofMiB(32),
                            0.10, Bytes.ofMiB(16)),
                    new Io(true, 0.6, 0.9, 0.05, Duration.ofSeconds(1), 0.25, 4L << 20, 50, Duration.ofSeconds(2),
                            Duration.ofSeconds(15)),
                    new Pids(0.85, 0.75, 0.95, Duration.ofSeconds(30)));
            case STRICT -> new GuardSettings(mode, tick,
                    new Cpu(true, 0.05, Double.POSITIVE_INFINITY, Duration.ofSeconds(1), 0.10, 0.5, Duration.ofMillis(500),
                            Duration.ofSeconds(3), Duration.ofSeconds(1), 0.6, 0.05, 0.02, 0.25, 0, 0, 0.25,
                            Duration.ofMillis(200), 0.02, 0.01, 0.05, Duration.ofMillis(100), true, true, 0, false, 2),
                    new Memory(capacity, 2.5, 2.0, 0.25, 0.01, 0.05, Duration.ofSeconds(1), Duration.ofSeconds(60),
                            Duration.ofSeconds(30), Duration.ofMillis(500), 1.5, Duration.ofSeconds(1), LOOKAHEAD, Bytes.ofMiB(32),
                            0.10, Bytes.ofMiB(16)),
                    new Io(true, 0.4, 0.8, 0.02, Duration.ofSeconds(1), 0.10, 4L << 20, 50, Duration.ofSeconds(1),
                            Duration.ofSeconds(30)),
                    new Pids(0.80, 0.70, 0.90, Duration.ofSeconds(60)));
        };
    }
}
