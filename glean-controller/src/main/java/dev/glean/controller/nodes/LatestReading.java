package dev.glean.controller.nodes;

import dev.glean.core.node.NodeSample;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.time.Instant;

/**
 * A node's newest reading, as the API shows it, kept as numbers overwritten in place. The registry records one per
 * node a second: a kept {@link NodeSample} (a dozen objects) would be live at every young collection and copied by
 * it, 10,000 nodes' worth each time, while numbers written into this long-lived object leave nothing to copy.
 * Guarded by the owning {@link NodeRegistry.Live}'s monitor.
 */
public final class LatestReading {
    private boolean present;
    private long atSeconds;
    private int atNanos;
    private long hostCpu;
    private long secondaryCpu;
    private long memoryAvailable;
    private long incumbentMemory;
    private long secondaryMemory;
    private long secondaryPageCache;
    private double hostBusySeconds;
    private double hostIdleSeconds;
    private double secondaryCpuSeconds;
    private double incumbentCpuSeconds;
    private double cpuSomeAvg10;
    private double memorySomeAvg10;
    private double memoryFullAvg10;
    private double ioSomeAvg10;
    private int containers;

    void set(NodeSample s) {
        present = true;
        atSeconds = s.at().getEpochSecond();
        atNanos = s.at().getNano();
        hostCpu = s.hostCpu().value();
        secondaryCpu = s.secondaryCpu().value();
        memoryAvailable = s.memoryAvailable().value();
        incumbentMemory = s.incumbentMemory().value();
        secondaryMemory = s.secondaryMemory().value();
        secondaryPageCache = s.secondaryPageCache().value();
        hostBusySeconds = s.hostBusySeconds();
        hostIdleSeconds = s.hostIdleSeconds();
        secondaryCpuSeconds = s.secondaryCpuSeconds();
        incumbentCpuSeconds = s.incumbentCpuSeconds();
        cpuSomeAvg10 = s.cpuPressure().someAvg10();
        memorySomeAvg10 = s.memoryPressure().someAvg10();
        memoryFullAvg10 = s.memoryPressure().fullAvg10();
        ioSomeAvg10 = s.ioPressure().someAvg10();
        containers = s.containers().size();
    }

    /** A copy to read outside the lock, or null before the first reading. */
    public Usage usage() {
        if (!present) {
            return null;
        }
        return new Usage(Instant.ofEpochSecond(atSeconds, atNanos), new Millicores(hostCpu), new Millicores(secondaryCpu),
                new Bytes(memoryAvailable), new Bytes(incumbentMemory), new Bytes(secondaryMemory), new Bytes(secondaryPageCache),
                hostBusySeconds, hostIdleSeconds, secondaryCpuSeconds, incumbentCpuSeconds, cpuSomeAvg10, memorySomeAvg10,
                memoryFullAvg10, ioSomeAvg10, containers);
    }

    /** What a node's newest reading said: the node view's {@code usage}. Pressures are PSI avg10 percentages. */
    public record Usage(Instant at, Millicores hostCpu, Millicores secondaryCpu, Bytes memoryAvailable, Bytes incumbentMemory,
            Bytes secondaryMemory, Bytes secondaryPageCache, double hostBusySeconds, double hostIdleSeconds,
            double secondaryCpuSeconds, double incumbentCpuSeconds, double cpuSomeAvg10, double memorySomeAvg10,
            double memoryFullAvg10, double ioSomeAvg10, int containers) {

        public Millicores incumbentCpu() {
            return hostCpu.minus(secondaryCpu);
        }
    }
}
