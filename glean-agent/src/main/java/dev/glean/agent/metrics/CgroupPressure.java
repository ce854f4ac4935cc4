package dev.glean.agent.metrics;

import dev.glean.core.node.Pressure;

/** The PSI of one cgroup ({cpu,memory,io}.pressure in the cgroup2 hierarchy); {@link Pressure#NONE} where absent. */
public record CgroupPressure(Pressure cpu, Pressure memory, Pressure io) {
    public static final CgroupPressure NONE = new CgroupPressure(Pressure.NONE, Pressure.NONE, Pressure.NONE);
}
