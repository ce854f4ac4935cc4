package dev.glean.agent.metrics;

import dev.glean.core.resources.Bytes;

/**
 * What one cgroup uses now: cumulative CPU time since the cgroup was made, memory without page cache, and its
 * page cache. See {@link CgroupStats} for how memory is split.
 */
public record CgroupUsage(long cpuNanos, long memoryBytes, long pageCacheBytes) {
    public double cpuSeconds() {
        return cpuNanos / 1e9;
    }

    public Bytes memory() {
        return new Bytes(memoryBytes);
    }

    public Bytes pageCache() {
        return new Bytes(pageCacheBytes);
    }
}
