package dev.glean.core.guard;

import dev.glean.core.resources.Bytes;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * What the guard remembers between readings. Immutable: {@link GuardPolicy} returns a new one. Instants are null
 * for "never".
 *
 * @param evicting containers the guard evicted that still show in the readings: never chosen again
 * @param lastEviction when the guard last evicted, for memory or tasks
 * @param admitting false between a StopAdmitting and the ResumeAdmitting that follows
 */
public record GuardState(Cpu cpu, Memory memory, Io io, Pids pids, Set<String> evicting, Instant lastEviction,
        boolean admitting) {

    public GuardState {
        evicting = Set.copyOf(evicting);
    }

    /** Before the first reading: nothing applied yet, everything admitted. */
    public static GuardState initial() {
        return new GuardState(new Cpu(null, 0, 0, 0, Long.MAX_VALUE, null, null, false, -1),
                new Memory(MemoryLevel.NORMAL, 0, null, null, Map.of(), -1, 0), new Io(0, Map.of()), new Pids(false, null),
                Set.of(), null, true);
    }

    /** The same state, but not knowing what CPU cap the cgroup holds (a write failed): the next decision sets it. */
    public GuardState withCpuCapUnknown() {
        return new GuardState(new Cpu(null, cpu.waitAverage(), cpu.incumbentAverage(), cpu.incumbentPeak(),
                cpu.lastHarmCap(), cpu.lastCut(), cpu.lastGrowth(), cpu.started(), cpu.ownWait()), memory, io, pids, evicting,
                lastEviction, admitting);
    }

    /**
     * @param applied the cap last set; null before the guard set one (the cgroup may hold anything then)
     * @param waitAverage smoothed incumbents' run-queue wait per CPU
     * @param incumbentAverage smoothed incumbents' CPU (millicores), of which {@code incumbentPeak} is the peak,
     *     decaying
     * @param lastHarmCap the cap (millicores) in force when the last harm began (a series of cuts within the hold
     *     counts as one); growth slows past it
     * @param started whether a reading with an interval has been seen (the averages start from it)
     */
    /**
     * @param ownWait the incumbents' run-queue wait (per CPU) while the secondaries hardly run: their own, learned
     *     slowly; negative until first seen
     */
    public record Cpu(CpuCap applied, double waitAverage, double incumbentAverage, double incumbentPeak,
            long lastHarmCap, Instant lastCut, Instant lastGrowth, boolean started, double ownWait) {}

    /**
     * @param clearSince since when the readings have allowed leaving {@code level}; null while they do not
     * @param reclaimed containers whose limit the guard lowered: their own limit and the one set now
     * @param available available memory at the last reading (bytes; -1 before the first), for its rate of fall
     * @param fallPerSecond how fast it fell over the interval before the last reading (bytes/s, 0 if it rose)
     */
    public record Memory(MemoryLevel level, double stallAverage, Instant levelSince, Instant clearSince,
            Map<String, Reclaim> reclaimed, long available, long fallPerSecond) {
        public Memory {
            reclaimed = Map.copyOf(reclaimed);
        }

        public Memory withReclaimed(Map<String, Reclaim> next) {
            return new Memory(level, stallAverage, levelSince, clearSince, next, available, fallPerSecond);
        }
    }

    /** NORMAL; TIGHT: no new secondaries; RECLAIM: also secondaries' page cache reclaimed (eviction is a step, not a level). */
    public enum MemoryLevel { NORMAL, TIGHT, RECLAIM }

    public record Reclaim(Bytes original, Bytes limit) {}

    public record Io(double stallAverage, Map<String, Throttle> throttled) {
        public Io {
            throttled = Map.copyOf(throttled);
        }
    }

    /** A throttled device: its limit, when it was last set, since when it could be lifted (null: not now). */
    public record Throttle(IoLimit limit, Instant lastSet, Instant clearSince) {}

    /** {@code high}: threads near the kernel's limit; {@code clearSince}: since when below the resume mark. */
    public record Pids(boolean high, Instant clearSince) {}
}
