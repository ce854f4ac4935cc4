package dev.glean.agent.guard;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.agent.metrics.OpenFiles;
import dev.glean.agent.metrics.PressureFile;
import dev.glean.agent.metrics.TextBuffer;
import dev.glean.core.guard.GuardReadings.Stalls;
import dev.glean.core.node.Pressure;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
 * The pressure files stay open between reads on the kernel's filesystems; the top-level cgroups are listed again
 * every {@link #RELIST_EVERY} reads (a cgroup made meanwhile is missed until then, one removed reads as no stall).
 */
public final class IncumbentStalls {
    private static final String[] RESOURCES = {"cpu", "memory", "io"};

    /** The top-level cgroups are listed again every this many reads (about a second at the guard's rate). */
    static final int RELIST_EVERY = 10;

    private final Path hostPressure;
    private final Path[] hostFiles = new Path[3];
    private final CgroupHost host;
    private final OpenFiles files;
    private final TextBuffer text = new TextBuffer(256);
    private Map<String, Long> previous = new HashMap<>();
    /** The top-level cgroup2 directories and their three pressure files, as listed last. */
    private List<Path[]> tops = List.of();
    private int readsSinceListing = RELIST_EVERY;

    public IncumbentStalls(Path procRoot, CgroupHost host) {
        this.hostPressure = procRoot.resolve("pressure");
        for (int i = 0; i < 3; i++) {
            hostFiles[i] = hostPressure.resolve(RESOURCES[i]);
        }
        this.host = host;
        this.files = new OpenFiles(OpenFiles.isKernelFileSystem(procRoot));
    }

    public synchronized Stalls read() {
        Map<String, Long> now = new HashMap<>();
        long[] hostDelta = new long[3];
        long[] gleanDelta = new long[3];
        long[] topMax = new long[3];
        boolean measured = false;
        for (int i = 0; i < 3; i++) {
            Pressure p = pressure(hostFiles[i]);
            measured |= p != Pressure.NONE;
            hostDelta[i] = delta(now, "/" + RESOURCES[i], p.someTotalMicros());
        }
        if (!measured) {
            files.sweep();
            previous = now;
            return Stalls.NONE;
        }
        if (++readsSinceListing >= RELIST_EVERY) {
            tops = list();
            readsSinceListing = 0;
        }
        for (Path[] top : tops) {
            String name = top[0].getFileName().toString();
            boolean glean = name.equals(host.parent());
            for (int i = 0; i < 3; i++) {
                long d = delta(now, name + "/" + RESOURCES[i], pressure(top[i + 1]).someTotalMicros());
                if (glean) {
                    gleanDelta[i] = d;
                } else {
                    topMax[i] = Math.max(topMax[i], d);
                }
            }
        }
        files.sweep();
        previous = now;
        long cpu = topMax[0];
        long memory = Math.max(topMax[1], Math.max(0, hostDelta[1] - gleanDelta[1]));
        long io = Math.max(topMax[2], Math.max(0, hostDelta[2] - gleanDelta[2]));
        return new Stalls(true, Duration.ofNanos(cpu * 1000), Duration.ofNanos(memory * 1000), Duration.ofNanos(io * 1000));
    }

    /** The top-level cgroup2 directories, each with its cpu, memory and io pressure files. */
    private List<Path[]> list() {
        var unified = host.unifiedRoot();
        if (unified.isEmpty()) {
            return List.of();
        }
        List<Path[]> dirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(unified.get(), Files::isDirectory)) {
            for (Path dir : ds) {
                dirs.add(new Path[] {dir, dir.resolve("cpu.pressure"), dir.resolve("memory.pressure"),
                        dir.resolve("io.pressure")});
            }
        } catch (IOException e) {
            // no cgroup2 listing: the host-wide estimates still hold
        }
        return dirs;
    }

    private Pressure pressure(Path file) {
        try {
            return files.read(file, text) ? PressureFile.parse(text) : Pressure.NONE;
        } catch (IOException e) {
            return Pressure.NONE; // gone (a removed cgroup), or PSI disabled
        }
    }

    /** Growth of a cumulative total since the previous call; 0 when first seen or when it went back (recreated). */
    private long delta(Map<String, Long> now, String key, long total) {
        now.put(key, total);
        Long before = previous.get(key);
        return before == null || total < before ? 0 : total - before;
    }
}
