package dev.glean.core.node;

import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import dev.glean.core.resources.Resources;
import java.time.Instant;
import java.util.Map;

/**
 * One agent reading. Rates ({@code *Cpu}) are over the interval since the previous reading; {@code *Seconds}
 * are cumulative counters (since boot for the host, since the glean parent cgroup was made for
 * secondaries) so a reader of two samples can take exact differences. Memory "used" never counts page cache.
 * Pressures may be {@link Pressure#NONE} where the kernel has no PSI.
 */
public record NodeSample(
        Instant at,
        int cpus,
        Bytes memoryTotal,
        Bytes memoryAvailable,
        Millicores hostCpu,
        Millicores secondaryCpu,
        Bytes secondaryMemory,
        Bytes secondaryPageCache,
        double hostBusySeconds,
        double hostIdleSeconds,
        double secondaryCpuSeconds,
        Pressure cpuPressure,
        Pressure memoryPressure,
        Pressure ioPressure,
        Map<String, ContainerUsage> containers) {

    public NodeSample {
        containers = containers == null ? Map.of() : Map.copyOf(containers);
    }

    public Resources capacity() {
        return new Resources(new Millicores(cpus * 1000L), memoryTotal);
    }

    /** What everything but glean uses now. */
    public Millicores incumbentCpu() {
        return hostCpu.minus(secondaryCpu);
    }

    public Bytes hostMemoryUsed() {
        return memoryTotal.minus(memoryAvailable);
    }

    public Bytes incumbentMemory() {
        return hostMemoryUsed().minus(secondaryMemory);
    }

    public double incumbentCpuSeconds() {
        return Math.max(0, hostBusySeconds - secondaryCpuSeconds);
    }
}
