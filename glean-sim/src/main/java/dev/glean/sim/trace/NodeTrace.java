package dev.glean.sim.trace;

/**
 * One node and what its incumbents use, one value per simulation step: {@code cpu} and {@code memory} as shares of
 * the node's capacity in [0, 1]. A trace shorter than the simulation repeats from its start.
 */
public record NodeTrace(String name, String kind, int cpus, long memoryBytes, float[] cpu, float[] memory) {
    public NodeTrace {
        if (cpus < 1 || memoryBytes <= 0 || cpu.length == 0 || cpu.length != memory.length) {
            throw new IllegalArgumentException("a trace needs capacity and as many CPU as memory values: " + name);
        }
    }

    public int steps() {
        return cpu.length;
    }

    /** The incumbents' CPU at {@code step}, in millicores. */
    public long cpuMillis(int step) {
        return Math.round(cpu[step % cpu.length] * (cpus * 1000L));
    }

    /** The incumbents' memory at {@code step}, in bytes. */
    public long memoryUsed(int step) {
        return (long) (memory[step % memory.length] * (double) memoryBytes);
    }
}
