package dev.glean.core.guard;

import dev.glean.core.guard.GuardAction.ThrottleIo;
import dev.glean.core.guard.GuardAction.UnthrottleIo;
import dev.glean.core.guard.GuardReadings.Disk;
import dev.glean.core.guard.GuardState.Throttle;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The io part of the guard. A device is throttled for the secondaries when it is busy and the incumbents stall on
 * io; the throttle starts at a share of what the device moves now, halves while the harm lasts, and is lifted
 * after a cool-down without harm. PSI does not say which device the incumbents waited for, so every busy device
 * is throttled.
 */
final class IoThrottle {
    private final GuardSettings.Io s;

    IoThrottle(GuardSettings.Io s) {
        this.s = s;
    }

    GuardState.Io step(GuardState.Io st, GuardReadings r, Instant now, List<GuardAction> out) {
        if (!s.enabled()) {
            new TreeMap<>(st.throttled()).keySet().forEach(d -> out.add(new UnthrottleIo(d,
                    "this guard mode does not throttle io", Map.of())));
            return new GuardState.Io(0, Map.of());
        }
        boolean measured = r.stalls().measured();
        double stall = measured ? r.fraction(r.stalls().io()) : 0;
        double stallAverage = r.interval().isZero() ? st.stallAverage()
                : GuardPolicy.smooth(st.stallAverage(), stall, r.interval(), s.stallSmoothing());
        Map<String, Throttle> next = new HashMap<>();
        for (Disk d : r.disks()) {
            Throttle t = st.throttled().get(d.device());
            boolean busy = d.utilization() >= s.busy();
            boolean harm = r.interval().isPositive() && busy
                    && (measured ? stallAverage >= s.stallTarget() : d.utilization() >= s.busyWithoutPsi());
            if (harm && t == null) {
                String why = why(d, stallAverage);
                long bps = Math.max(s.minBps(), Math.round(s.share() * (d.readBytesPerSecond() + d.writeBytesPerSecond())));
                long iops = Math.max(s.minIops(), Math.round(s.share() * (d.readsPerSecond() + d.writesPerSecond())));
                IoLimit limit = new IoLimit(bps, bps, iops, iops);
                out.add(new ThrottleIo(d.device(), limit, why + ": throttle the secondaries on it",
                        readout(d, stall, stallAverage, s).map()));
                next.put(d.device(), new Throttle(limit, now, null));
            } else if (harm) {
                IoLimit limit = t.limit().halved(s.minBps(), s.minIops());
                if (!limit.equals(t.limit()) && GuardPolicy.elapsed(t.lastSet(), now, s.tightenEvery())) {
                    out.add(new ThrottleIo(d.device(), limit,
                            why(d, stallAverage) + " although throttled: halve the secondaries' io", readout(d, stall, stallAverage, s).map()));
                    next.put(d.device(), new Throttle(limit, now, null));
                } else {
                    next.put(d.device(), new Throttle(t.limit(), t.lastSet(), null));
                }
            } else if (t != null) {
                boolean clear = !busy || (measured ? stallAverage < s.stallTarget() / 2 : d.utilization() < s.busy());
                Instant clearSince = clear ? (t.clearSince() == null ? now : t.clearSince()) : null;
                if (clearSince != null && GuardPolicy.elapsed(clearSince, now, s.coolDown())) {
                    out.add(new UnthrottleIo(d.device(), String.format(Locale.ROOT,
                            "no io harm to the incumbents on %s for %d s: lift the secondaries' throttle", d.device(),
                            s.coolDown().toSeconds()), readout(d, stall, stallAverage, s).map()));
                } else {
                    next.put(d.device(), new Throttle(t.limit(), t.lastSet(), clearSince));
                }
            }
        }
        return new GuardState.Io(stallAverage, next);
    }

    private static Readout readout(Disk d, double stall, double stallAverage, GuardSettings.Io s) {
        return new Readout()
                .put("utilizationPercent", d.utilization() * 100)
                .put("ioStallPercent", stall * 100)
                .put("ioStallAveragePercent", stallAverage * 100)
                .put("stallTargetPercent", s.stallTarget() * 100)
                .put("readMiBPerSecond", MemoryLadder.mib(d.readBytesPerSecond()))
                .put("writeMiBPerSecond", MemoryLadder.mib(d.writeBytesPerSecond()))
                .put("readsPerSecond", d.readsPerSecond())
                .put("writesPerSecond", d.writesPerSecond());
    }

    /** Formatted only for an action: the guard reads every disk ten times a second. */
    private static String why(Disk d, double stallAverage) {
        return String.format(Locale.ROOT, "device %s is %.0f%% busy and the incumbents stalled %.0f%% on io",
                d.device(), d.utilization() * 100, stallAverage * 100);
    }
}
