package dev.glean.core.guard;

import dev.glean.core.resources.Millicores;

/**
 * The CFS bandwidth cap on all secondaries together (glean's parent cgroup): a number of millicores, or none.
 * A cap at or above the node's capacity is no cap: the kernel would still account throttling periods for nothing.
 */
public sealed interface CpuCap {
    CpuCap UNLIMITED = new Unlimited();

    record Unlimited() implements CpuCap {
        @Override
        public String toString() {
            return "unlimited";
        }
    }

    /** At least 1m: a zero quota would stop the secondaries for good, which is eviction's job, not the quota's. */
    record Limit(Millicores cpu) implements CpuCap {
        public Limit {
            if (cpu.value() < 1) {
                throw new IllegalArgumentException("a CPU cap must be at least 1m: " + cpu);
            }
        }

        @Override
        public String toString() {
            return cpu + " CPU";
        }
    }

    /** {@code millicores} as a cap on a node of {@code capacity} millicores. */
    static CpuCap of(long millicores, long capacity) {
        return millicores >= capacity ? UNLIMITED : new Limit(new Millicores(Math.max(1, millicores)));
    }

    /** The whole CPUs the cap needs (at least one): where the secondaries are confined to CPUs, that many. */
    default int cpus(int nodeCpus) {
        long m = millicores(nodeCpus * 1000L);
        return (int) Math.max(1, Math.min(nodeCpus, (m + 999) / 1000));
    }

    /** The cap as a number for arithmetic: an unlimited cap counts as the whole node. */
    default long millicores(long capacity) {
        return switch (this) {
            case Unlimited u -> capacity;
            case Limit l -> Math.min(capacity, l.cpu().value());
        };
    }
}
