package dev.glean.agent.guard;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.metrics.HostSampler;
import dev.glean.core.guard.GuardReadings;
import dev.glean.core.guard.GuardReadings.Secondary;
import dev.glean.core.node.ContainerUsage;
import dev.glean.core.node.NodeSample;
import dev.glean.core.resources.Bytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Takes one {@link GuardReadings}: a {@link HostSampler} of its own (its rates are over the time since ITS previous
 * call, so the guard's 100 ms readings do not shorten the 1 s interval of the agent's reports), the incumbents'
 * run queues and stalls, the disks, the host's threads, and each live secondary's memory, limit and tasks.
 */
public final class GuardSampler implements AutoCloseable {
    /** A live secondary as the agent knows it: what the cgroups cannot say. */
    public record Running(String id, int priority, Instant startedAt) {}

    private final HostSampler host;
    private final IncumbentRunQueue runQueue;
    private final IncumbentStalls stalls;
    private final DiskStats disks;
    private final long taskLimit;
    private final Supplier<List<Running>> secondaries;
    private final Clock clock;
    private Instant previous;

    public GuardSampler(HostSampler host, IncumbentRunQueue runQueue, IncumbentStalls stalls, DiskStats disks,
            Path procRoot, Supplier<List<Running>> secondaries, Clock clock) {
        this.host = host;
        this.runQueue = runQueue;
        this.stalls = stalls;
        this.disks = disks;
        this.taskLimit = Math.min(readLong(procRoot.resolve("sys/kernel/pid_max")),
                readLong(procRoot.resolve("sys/kernel/threads-max")));
        this.secondaries = secondaries;
        this.clock = clock;
    }

    /** Everything on the real host: /proc, /sys/block, the cgroups of {@code cgroups}, the admin's protected incumbents. */
    public static GuardSampler forHost(CgroupHost cgroups, ProtectedIncumbents protect, Supplier<List<Running>> secondaries,
            Clock clock) {
        Path proc = Path.of("/proc");
        return new GuardSampler(HostSampler.create(proc, cgroups, clock), IncumbentRunQueue.forHost(cgroups, protect),
                new IncumbentStalls(proc, cgroups), DiskStats.forHost(), proc, secondaries, clock);
    }

    public synchronized GuardReadings read() {
        Instant now = clock.instant();
        Duration interval = previous == null || now.isBefore(previous) ? Duration.ZERO : Duration.between(previous, now);
        previous = now;
        List<Running> running = secondaries.get();
        NodeSample s = host.sample(running.stream().map(Running::id).toList());
        Duration wait;
        if (running.isEmpty()) {
            // Nothing to cap: skip the costliest reading (a pass over /proc) and start its baselines afresh later.
            runQueue.reset();
            wait = Duration.ZERO;
        } else {
            wait = runQueue.read(now);
        }
        var stall = stalls.read();
        var disk = disks.read(interval);
        long tasks;
        try {
            tasks = host.loadAvg().threads();
        } catch (IOException | RuntimeException e) {
            tasks = 0;
        }
        List<Secondary> live = new ArrayList<>();
        for (Running r : running) {
            ContainerUsage u = s.containers().get(r.id());
            if (u == null) {
                continue; // its cgroup is gone (or not made yet): nothing to guard
            }
            // Through the sampler's kept-open files (one pread each), not the shared reader's open-read-close.
            OptionalLong limit = host.memoryLimit(r.id());
            live.add(new Secondary(r.id(), r.priority(), r.startedAt(), u.memory(), u.pageCache(),
                    new Bytes(limit.orElse(Long.MAX_VALUE)), host.pidsCurrent(r.id()).orElse(0)));
        }
        return new GuardReadings(interval, s.cpus(), s.memoryTotal(), s.memoryAvailable(), s.incumbentCpu(),
                s.secondaryCpu(), wait, stall, disk, tasks, taskLimit, live);
    }

    @Override
    public void close() {
        host.close();
    }

    /**
     * One number from a sysctl file, read with one large read: integer sysctls answer a read at a non-zero
     * offset with EOF, and Files.readString on these zero-size files reads them a byte at a time (measured here
     * with JDK 25: "3" for a pid_max of 32768).
     */
    static long readLong(Path file) {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer b = ByteBuffer.allocate(64);
            ch.read(b);
            return Long.parseLong(new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim());
        } catch (IOException | RuntimeException e) {
            return Long.MAX_VALUE;
        }
    }
}
