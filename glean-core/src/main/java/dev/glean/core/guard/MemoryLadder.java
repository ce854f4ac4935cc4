package dev.glean.core.guard;

import dev.glean.core.guard.GuardAction.ReclaimMemory;
import dev.glean.core.guard.GuardAction.RestoreMemory;
import dev.glean.core.guard.GuardReadings.Secondary;
import dev.glean.core.guard.GuardState.MemoryLevel;
import dev.glean.core.guard.GuardState.Reclaim;
import dev.glean.core.resources.Bytes;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The memory part of the guard, a ladder: below {@code admitStop} reserves of available memory the node stops
 * admitting (TIGHT); below {@code reclaim} reserves, or when the incumbents stall on memory, it lowers the
 * secondaries' limits to their non-cache memory plus a slack (RECLAIM); below one reserve it evicts, and so it
 * does already when available memory falls fast enough to cross the reserve within {@code lookahead} (an incumbent
 * claiming several GiB a second crosses the whole ladder between two or three readings).
 *
 * <p>Why reclaim although MemAvailable already counts page cache as available: under pressure the kernel's global
 * reclaim takes page cache from everyone, the incumbents' hot files included, and their refaults are what
 * stalls them. A lowered limit makes each secondary reclaim its own cache first. Lowering it does not raise
 * MemAvailable, so eviction is judged on MemAvailable alone, and reclaim on the stall as well.
 */
final class MemoryLadder {
    private final GuardSettings.Memory s;

    MemoryLadder(GuardSettings.Memory s) {
        this.s = s;
    }

    /** The level after this reading, and the eviction it calls for, if any. */
    record Assessment(GuardState.Memory state, Need need, Readout readout) {}

    /**
     * An eviction: {@code bytes} to free for a shortage (evicted again at once while what is on its way back does
     * not cover it); 0 for the incumbents' stall (one container, then the cool-down).
     */
    record Need(long bytes, String reason) {
        boolean shortage() {
            return bytes > 0;
        }
    }

    Assessment assess(GuardState.Memory st, GuardReadings r, Instant now) {
        Bytes total = r.memoryTotal();
        long reserve = s.reserve(total).value();
        long avail = r.memoryAvailable().value();
        boolean measured = r.stalls().measured();
        double stall = measured ? r.fraction(r.stalls().memory()) : 0;
        double stallAverage = r.interval().isZero() ? st.stallAverage()
                : GuardPolicy.smooth(st.stallAverage(), stall, r.interval(), s.stallSmoothing());

        MemoryLevel raw = avail < s.reclaim() * reserve || (measured && stallAverage >= s.stallReclaim())
                ? MemoryLevel.RECLAIM
                : avail < s.admitStop() * reserve ? MemoryLevel.TIGHT : MemoryLevel.NORMAL;
        MemoryLevel level = st.level();
        Instant levelSince = st.levelSince();
        Instant clearSince = st.clearSince();
        if (raw.compareTo(level) > 0) {
            level = raw;
            levelSince = now;
            clearSince = null;
        } else if (raw.compareTo(level) < 0) {
            double exitMark = (level == MemoryLevel.RECLAIM ? s.reclaim() : s.admitStop()) + s.margin();
            boolean clear = avail >= exitMark * reserve && stallAverage < s.stallReclaim() / 2;
            if (!clear) {
                clearSince = null;
            } else {
                clearSince = clearSince == null ? now : clearSince;
                Duration coolDown = level == MemoryLevel.RECLAIM ? s.restoreAfter() : s.admitCoolDown();
                if (GuardPolicy.elapsed(clearSince, now, coolDown)) {
                    level = level == MemoryLevel.RECLAIM ? MemoryLevel.TIGHT : MemoryLevel.NORMAL;
                    levelSince = now;
                    clearSince = null;
                }
            }
        } else {
            clearSince = null;
        }

        // How fast available memory falls: the smaller of the last two intervals' falls, so a trend counts once two
        // readings in a row show it, and one allocation that drops it in a single step projects nothing.
        long lastFall = st.available() < 0 || r.interval().isZero() ? 0
                : Math.max(0, Math.round((st.available() - avail) / (r.interval().toNanos() / 1e9)));
        long fallPerSecond = Math.min(lastFall, st.fallPerSecond());
        long projected = avail - Math.round(fallPerSecond * (s.lookahead().toNanos() / 1e9));
        Readout readout = new Readout()
                .put("availableMiB", mib(avail))
                .put("totalMiB", mib(total.value()))
                .put("reserveMiB", mib(reserve))
                .put("availableFallMiBPerSecond", mib(fallPerSecond))
                .put("memoryStallPercent", stall * 100)
                .put("memoryStallAveragePercent", stallAverage * 100);
        Need need = null;
        // Below the reserve the shortage now counts (read again in 100 ms, with more evicted at once if it grew); a
        // single reading's jump projected a second ahead would evict everything for what may be one allocation.
        boolean fallingThrough = avail >= reserve && avail < s.admitStop() * reserve && projected < reserve;
        if (avail < reserve || fallingThrough) {
            long basis = fallingThrough ? projected : avail;
            String why = avail < reserve
                    ? String.format(Locale.ROOT, "available memory %s is below the reserve of %s", new Bytes(avail),
                            new Bytes(reserve))
                    : String.format(Locale.ROOT, "available memory %s falls %s/s and would be %s in %d ms, below the"
                            + " reserve of %s", new Bytes(avail), new Bytes(fallPerSecond), new Bytes(Math.max(0, projected)),
                            s.lookahead().toMillis(), new Bytes(reserve));
            need = new Need(Math.max(1, Math.round(s.evictTo() * reserve) - basis), why);
        } else if (measured && level == MemoryLevel.RECLAIM && stallAverage >= s.stallEvict()
                && avail < s.admitStop() * reserve && GuardPolicy.elapsed(levelSince, now, s.reclaimGrace())) {
            need = new Need(0, String.format(Locale.ROOT,
                    "incumbents stalled %.0f%% of the time on memory with only %s available, after reclaiming the"
                            + " secondaries' page cache", stallAverage * 100, new Bytes(avail)));
        }
        return new Assessment(new GuardState.Memory(level, stallAverage, levelSince, clearSince, st.reclaimed(), avail,
                lastFall), need, readout);
    }

    /**
     * Sets or gives back the secondaries' lowered limits for the level: in RECLAIM each container with page cache
     * gets its non-cache memory plus slack, following that memory as it grows; below RECLAIM every lowered
     * limit goes back to the container's own. {@code excluded}: containers being evicted.
     */
    Map<String, Reclaim> limits(MemoryLevel level, Map<String, Reclaim> reclaimed, GuardReadings r, Set<String> excluded,
            Readout readout, List<GuardAction> out) {
        Map<String, Reclaim> next = new HashMap<>();
        Map<String, Secondary> live = new HashMap<>();
        r.secondaries().forEach(c -> live.put(c.id(), c));
        if (level != MemoryLevel.RECLAIM) {
            reclaimed.forEach((id, rec) -> {
                if (live.containsKey(id) && !excluded.contains(id)) {
                    out.add(new RestoreMemory(id, rec.original(), "memory is plentiful again: give " + id
                            + " back its own limit of " + rec.original(), readout.map()));
                }
            });
            return next;
        }
        for (Secondary c : r.secondaries()) {
            if (excluded.contains(c.id())) {
                continue;
            }
            Reclaim rec = reclaimed.get(c.id());
            Bytes original = rec != null ? rec.original() : c.limit();
            long used = c.memory().value();
            long slack = Math.max(s.slackMin().value(), Math.round(used * s.slackFraction()));
            long want = Math.min(original.value(), used + slack);
            if (rec == null) {
                boolean worthIt = c.pageCache().compareTo(s.minCache()) >= 0 && want < used + c.pageCache().value()
                        && want < c.limit().value();
                if (worthIt) {
                    Bytes limit = new Bytes(want);
                    out.add(new ReclaimMemory(c.id(), limit, "memory is short: lower " + c.id() + "'s limit from "
                            + c.limit() + " to " + limit + " so the kernel reclaims its " + c.pageCache()
                            + " of page cache before the incumbents'", withContainer(readout, c)));
                    next.put(c.id(), new Reclaim(c.limit(), limit));
                }
            } else if (used + slack / 2 > rec.limit().value() && want > rec.limit().value()) {
                Bytes limit = new Bytes(want);
                out.add(new ReclaimMemory(c.id(), limit, c.id() + "'s memory without cache grew to " + c.memory()
                        + ": raise its lowered limit from " + rec.limit() + " to " + limit + " (its own is " + original
                        + ")", withContainer(readout, c)));
                next.put(c.id(), new Reclaim(original, limit));
            } else {
                next.put(c.id(), rec);
            }
        }
        return next;
    }

    private static Map<String, Double> withContainer(Readout readout, Secondary c) {
        Readout copy = new Readout();
        readout.map().forEach(copy::put);
        return copy.put("containerMemoryMiB", mib(c.memory().value()))
                .put("containerPageCacheMiB", mib(c.pageCache().value()))
                .put("containerLimitMiB", mib(c.limit().value()))
                .map();
    }

    static double mib(long bytes) {
        return bytes / (double) (1L << 20);
    }
}
