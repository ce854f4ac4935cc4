package dev.glean.core.forecast;

import dev.glean.core.node.NodeSample;
import dev.glean.core.resources.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;

/**
 * A node's compact history of its incumbents' use: decayed histograms of CPU and memory and their daily profiles,
 * updated per reading in O(1) (a bucket add; once per profile slot an O(buckets) fold). About 9 KB per node
 * whatever its age, so 10,000 nodes cost about 90 MB and no list of readings is ever scanned.
 *
 * <p>Shares are kept relative to the node's capacity; if a node comes back with another capacity (resized), its
 * history starts over rather than mixing shares of two machines. Readings not newer than the last are ignored
 * (reports may repeat). Not thread-safe: the owner serialises access (the controller's registry locks per node).
 *
 * <p>The newest reading is kept as numbers, not as the sample: a controller records one per node a second, and a kept
 * sample (a dozen objects) would survive into, and be copied by, every young collection.
 */
public final class IncumbentHistory {
    private static final double DAY_SECONDS = 86_400;

    private final ForecastSettings settings;
    private DecayedHistogram cpu;
    private DecayedHistogram memory;
    private DailyProfile cpuDaily;
    private DailyProfile memoryDaily;
    private Resources capacity;
    private Instant first;
    /** The newest reading's time (epoch seconds and nanos) and the incumbents' use in it; {@code empty} before one. */
    private boolean empty = true;
    private long latestSeconds;
    private int latestNanos;
    private long latestCpu;
    private long latestMemory;

    public IncumbentHistory(ForecastSettings settings) {
        this.settings = settings;
        reset();
    }

    public ForecastSettings settings() {
        return settings;
    }

    /** Adds a reading; false if it was ignored as not newer than the last. */
    public boolean record(NodeSample s) {
        Instant at = s.at();
        if (!empty && (at.getEpochSecond() < latestSeconds
                || (at.getEpochSecond() == latestSeconds && at.getNano() <= latestNanos))) {
            return false;
        }
        if (capacity != null && (capacity.cpu().value() != s.cpus() * 1000L
                || !capacity.memory().equals(s.memoryTotal()))) {
            reset();
        }
        double seconds;
        if (empty) {
            first = at;
            capacity = s.capacity();
            seconds = 1;
        } else {
            long gapNanos = (at.getEpochSecond() - latestSeconds) * 1_000_000_000L + (at.getNano() - latestNanos);
            seconds = Math.min(gapNanos, settings.maxSampleGap().toNanos()) / 1e9;
        }
        empty = false;
        latestSeconds = at.getEpochSecond();
        latestNanos = at.getNano();
        latestCpu = s.incumbentCpu().value();
        latestMemory = s.incumbentMemory().value();
        double cpuShare = share(latestCpu, capacity.cpu().value());
        double memShare = share(latestMemory, capacity.memory().value());
        cpu.add(cpuShare, seconds, at);
        memory.add(memShare, seconds, at);
        cpuDaily.add(cpuShare, seconds, at);
        memoryDaily.add(memShare, seconds, at);
        return true;
    }

    public boolean isEmpty() {
        return empty;
    }

    /** The newest reading's time, or null. */
    public Instant latestAt() {
        return empty ? null : Instant.ofEpochSecond(latestSeconds, latestNanos);
    }

    /** When the history (for this capacity) began, or null. */
    public Instant first() {
        return first;
    }

    /** The forecast as of the newest reading (on the node's own clock); null when empty. */
    public IncumbentForecast forecast() {
        if (empty) {
            return null;
        }
        Instant at = latestAt();
        double span = Duration.between(first, at).toMillis() / 1000.0;
        // The daily profile speaks only once it has seen a whole day; before that a slot's value is one partial day.
        boolean dayKnown = span >= DAY_SECONDS;
        long cpuCap = capacity.cpu().value();
        long memCap = capacity.memory().value();
        UseForecast c = UseForecast.of(Math.min(cpuCap, latestCpu), units(cpu.mean(), cpuCap),
                units(cpu.quantile(settings.cpuPercentile()), cpuCap),
                dayKnown ? daily(cpuDaily.forecast(at, settings.horizon()), cpuCap) : OptionalLong.empty(),
                dayKnown ? daily(cpuDaily.peak(), cpuCap) : OptionalLong.empty());
        UseForecast m = UseForecast.of(Math.min(memCap, latestMemory), units(memory.mean(), memCap),
                units(memory.quantile(settings.memoryPercentile()), memCap),
                dayKnown ? daily(memoryDaily.forecast(at, settings.horizon()), memCap) : OptionalLong.empty(),
                dayKnown ? daily(memoryDaily.peak(), memCap) : OptionalLong.empty());
        return new IncumbentForecast(at, capacity, c, m, Math.min(1, span / DAY_SECONDS));
    }

    private void reset() {
        double halfLife = settings.halfLife().toMillis() / 1000.0;
        cpu = new DecayedHistogram(halfLife);
        memory = new DecayedHistogram(halfLife);
        cpuDaily = new DailyProfile(settings, settings.cpuPercentile());
        memoryDaily = new DailyProfile(settings, settings.memoryPercentile());
        capacity = null;
        first = null;
        empty = true;
    }

    private static double share(long used, long capacity) {
        return capacity <= 0 ? 1 : Math.min(1, used / (double) capacity);
    }

    /** Rounded up: a forecast of use must not come out below the share it stands for. */
    private static long units(double share, long capacity) {
        return Math.min(capacity, (long) Math.ceil(share * capacity));
    }

    private static OptionalLong daily(double share, long capacity) {
        return Double.isNaN(share) ? OptionalLong.empty() : OptionalLong.of(units(share, capacity));
    }
}
