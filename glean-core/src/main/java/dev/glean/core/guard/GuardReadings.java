package dev.glean.core.guard;

import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One reading of the node for the guard. Counters are already differences over {@code interval} (the time since
 * the previous reading; zero on the first, when no difference exists yet), because only the reader can take
 * them right: the incumbents' run-queue wait is summed per process, and a process that appears or ends between
 * two readings must add nothing rather than its whole history.
 *
 * @param incumbentCpu what everything but glean used over the interval
 * @param secondaryCpu what glean's parent cgroup used over the interval
 * @param incumbentRunQueueWait time the incumbents' threads spent runnable but waiting for a CPU, summed over
 *     threads, during the interval (the second field of /proc/&lt;pid&gt;/task/&lt;tid&gt;/schedstat): the signal
 *     that tracks the harm secondaries do to the incumbents' latency (HOST-FACTS)
 * @param stalls the incumbents' PSI stall time during the interval, {@link Stalls#NONE} where the kernel has no PSI
 * @param disks whole block devices, rates over the interval
 * @param tasks threads on the host now; {@code taskLimit} the most the kernel allows (pid_max, threads-max)
 * @param secondaries glean's live containers
 */
public record GuardReadings(
        Duration interval,
        int cpus,
        Bytes memoryTotal,
        Bytes memoryAvailable,
        Millicores incumbentCpu,
        Millicores secondaryCpu,
        Duration incumbentRunQueueWait,
        Stalls stalls,
        List<Disk> disks,
        long tasks,
        long taskLimit,
        List<Secondary> secondaries) {

    public GuardReadings {
        if (cpus < 1) {
            throw new IllegalArgumentException("a node has at least one CPU: " + cpus);
        }
        if (interval.isNegative()) {
            throw new IllegalArgumentException("interval must not be negative: " + interval);
        }
        disks = List.copyOf(disks);
        secondaries = List.copyOf(secondaries);
    }

    /**
     * PSI "some" stall time of the incumbents during the interval, per resource. Where the incumbents sit in
     * cgroups of their own (system.slice, ...), their per-cgroup pressure; where they sit in the root cgroup
     * (like on this kind of host), the host's pressure minus glean's, a lower bound.
     */
    public record Stalls(boolean measured, Duration cpu, Duration memory, Duration io) {
        public static final Stalls NONE = new Stalls(false, Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }

    /** One whole block device ("major:minor"), over the interval: busy fraction (io_ticks) and rates. */
    public record Disk(String device, double utilization, long readBytesPerSecond, long writeBytesPerSecond,
            long readsPerSecond, long writesPerSecond) {}

    /**
     * One live secondary. {@code memory} is what it uses without page cache (anon, shmem, kernel), {@code
     * pageCache} the file pages it could give back, {@code limit} its memory limit now (lowered while the guard
     * reclaims), {@code tasks} its threads.
     */
    public record Secondary(String id, int priority, Instant startedAt, Bytes memory, Bytes pageCache, Bytes limit,
            long tasks) {}

    /** Node capacity in millicores. */
    public long capacity() {
        return cpus * 1000L;
    }

    /** The fraction of the interval {@code d} is; 0 on the first reading. */
    public double fraction(Duration d) {
        long n = interval.toNanos();
        return n <= 0 ? 0 : d.toNanos() / (double) n;
    }

    /** Average number of incumbent threads waiting for a CPU, per CPU (ms of wait per second per CPU / 1000). */
    public double runQueueWaitPerCpu() {
        return fraction(incumbentRunQueueWait) / cpus;
    }
}
