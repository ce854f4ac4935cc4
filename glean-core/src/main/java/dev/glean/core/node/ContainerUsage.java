package dev.glean.core.node;

import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;

/** One container's use over the last interval: CPU rate, memory without page cache, and its page cache. */
public record ContainerUsage(Millicores cpu, Bytes memory, Bytes pageCache, double cpuSeconds) {}
