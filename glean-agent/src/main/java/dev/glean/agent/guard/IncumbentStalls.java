package dev.glean.agent.guard;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.metrics.PressureFile;
import dev.glean.core.guard.GuardReadings.Stalls;
import dev.glean.core.node.Pressure;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The incumbents' PSI "some" stall time since the previous call, per resource.
 *
 * <p>PSI "some" is the share of time at least one task of a group stalled, so it does not add up: the host's is
 * the union of everyone's. Two estimates, the larger wins:
 * <ul>
 *   <li>the top-level cgroups of the cgroup2 hierarchy other than glean's parent (system.slice, user.slice, ...
 *       on systemd hosts), the largest of them: a lower bound of the union of all incumbents;</li>
 *   <li>for memory and io, the host's stall minus glean's: the time only incumbents stalled, also a lower bound
 *       (it misses the time both stalled). Not for CPU: there idle-class secondaries wait whenever an incumbent
 *       runs, so glean's CPU stall covers nearly all the host's and the difference says nothing.</li>
 * </ul>
 * On this kind of host everything but glean sits in the root cgroup: only the second estimate exists, and CPU
 * harm is read from the run queues instead ({@link IncumbentRunQueue}). Without PSI at all: {@link Stalls#NONE}.
 */
public final class IncumbentStalls {
    private static final String[] RESOURCES = {"cpu", "memory", "io"};

    private final Path hostPressure;
    private final CgroupHost host;
    private Map<String, Long> previous = new HashMap<>();

    public IncumbentStalls(Path procRoot, CgroupHost host) {
        this.hostPressure = procRoot.resolve("pressure");
        this.host = host;
    }

    public synchronized Stalls read() {
        Map<String, Long> now = new HashMap<>();
        long[] hostDelta = new long[3];
        long[] gleanDelta = new long[3];
        long[] topMax = new long[3];
        boolean measured = false;
        for (int i = 0; i < 3; i++) {
            Pressure p = PressureFile.read(hostPressure.resolve(RESOURCES[i]));
            measured |= p != Pressure.NONE;
            hostDelta[i] = delta(now, "/" + RESOURCES[i], p.someTotalMicros());
        }
        if (!measured) {
            previous = now;
            return Stalls.NONE;
        }
        var unified = host.unifiedRoot();
        if (unified.isPresent()) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(unified.get(), Files::isDirectory)) {
                for (Path dir : dirs) {
                    String name = dir.getFileName().toString();
                    boolean glean = name.equals(host.parent());
                    for (int i = 0; i < 3; i++) {
                        long d = delta(now, name + "/" + RESOURCES[i],
                                PressureFile.read(dir.resolve(RESOURCES[i] + ".pressure")).someTotalMicros());
                        if (glean) {
                            gleanDelta[i] = d;
                        } else {
                            topMax[i] = Math.max(topMax[i], d);
                        }
                    }
                }
            } catch (IOException e) {
                // no cgroup2 listing: the host-wide estimates below still hold
            }
        }
        previous = now;
        long cpu = topMax[0];
        long memory = Math.max(topMax[1], Math.max(0, hostDelta[1] - gleanDelta[1]));
        long io = Math.max(topMax[2], Math.max(0, hostDelta[2] - gleanDelta[2]));
        return new Stalls(true, Duration.ofNanos(cpu * 1000), Duration.ofNanos(memory * 1000), Duration.ofNanos(io * 1000));
    }

    /** Growth of a cumulative total since the previous call; 0 when first seen or when it went back (recreated). */
    private long delta(Map<String, Long> now, String key, long total) {
        now.put(key, total);
        Long before = previous.get(key);
        return before == null || total < before ? 0 : total - before;
    }
}
