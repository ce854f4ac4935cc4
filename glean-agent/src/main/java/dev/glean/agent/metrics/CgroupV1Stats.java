package dev.glean.agent.metrics;

import dev.glean.agent.cgroup.CgroupHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * cgroup v1: one hierarchy per controller (cpu and cpuacct separate, or co-mounted as "cpu,cpuacct"; {@link
 * CgroupHost#v1Root} finds either). CPU time from {@code cpuacct.usage} (ns), throttling from the cpu
 * hierarchy's {@code cpu.stat}, memory from {@code memory.usage_in_bytes} and {@code memory.stat}, pids from
 * {@code pids.current}, PSI from the hybrid cgroup2 mount if there is one. Whether a cgroup exists is decided
 * by the cpuacct hierarchy. The hierarchy roots are looked up once, here. Thread-safe (one lock).
 */
public final class CgroupV1Stats implements CgroupStats {
    private static final byte[][] THROTTLE_KEYS = TextBuffer.keys("nr_periods", "nr_throttled", "throttled_time");

    private final CgroupHost host;
    private final Path cpuacctRoot;
    private final Path cpuRoot;
    private final Path memoryRoot;
    private final Path pidsRoot;
    private final Path unifiedRoot;
    private final CgroupFiles files;
    private final long[] three = new long[3];

    CgroupV1Stats(CgroupHost host) {
        this(host, null);
    }

    /** With {@code openFiles}, files stay open between reads (for {@link HostSampler}, which sweeps them). */
    CgroupV1Stats(CgroupHost host, OpenFiles openFiles) {
        this.files = new CgroupFiles(openFiles);
        if (host.mode() != CgroupHost.Mode.V1) {
            throw new IllegalArgumentException("not a cgroup v1 host: " + host);
        }
        this.host = host;
        this.cpuacctRoot = host.v1Root("cpuacct");
        this.cpuRoot = host.v1Root("cpu");
        this.memoryRoot = host.v1Root("memory");
        this.pidsRoot = host.v1Root("pids");
        this.unifiedRoot = host.unifiedRoot().orElse(null);
    }

    @Override
    public CgroupHost host() {
        return host;
    }

    @Override
    public boolean exists(String cgroup) {
        return Files.isDirectory(CgroupFiles.resolve(cpuacctRoot, cgroup));
    }

    @Override
    public synchronized Optional<CgroupUsage> usage(String cgroup) {
        long cpuNanos = files.readLong(CgroupFiles.resolve(cpuacctRoot, cgroup), "cpuacct.usage");
        if (cpuNanos == TextBuffer.MISSING) {
            return Optional.empty();
        }
        Path mem = CgroupFiles.resolve(memoryRoot, cgroup);
        long charged = files.readLong(mem, "memory.usage_in_bytes");
        long used = 0;
        long cache = 0;
        if (charged != TextBuffer.MISSING) {
            charged = Math.max(0, charged);
            if (files.read(mem, "memory.stat")) {
                cache = Math.min(charged, files.pageCacheV1(files.text));
            }
            used = charged - cache;
        }
        return Optional.of(new CgroupUsage(Math.max(0, cpuNanos), used, cache));
    }

    @Override
    public synchronized Optional<CpuThrottling> throttling(String cgroup) {
        if (!files.read(CgroupFiles.resolve(cpuRoot, cgroup), "cpu.stat")) {
            return Optional.empty();
        }
        long[] v = three;
        v[0] = v[1] = v[2] = 0;
        files.text.scanKeys(THROTTLE_KEYS, v);
        return Optional.of(new CpuThrottling(CgroupFiles.nonNegative(v[0]), CgroupFiles.nonNegative(v[1]),
                CgroupFiles.nonNegative(v[2])));
    }

    @Override
    public synchronized OptionalLong memoryLimit(String cgroup) {
        long v = files.readLong(CgroupFiles.resolve(memoryRoot, cgroup), "memory.limit_in_bytes");
        if (v == TextBuffer.MISSING) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(v >= CgroupFiles.V1_UNLIMITED_FLOOR ? Long.MAX_VALUE : Math.max(0, v));
    }

    @Override
    public synchronized OptionalLong pidsCurrent(String cgroup) {
        long v = files.readLong(CgroupFiles.resolve(pidsRoot, cgroup), "pids.current");
        return v == TextBuffer.MISSING ? OptionalLong.empty() : OptionalLong.of(Math.max(0, v));
    }

    @Override
    public synchronized CgroupPressure pressure(String cgroup) {
        if (unifiedRoot == null) {
            return CgroupPressure.NONE;
        }
        return CgroupV2Stats.readPressure(CgroupFiles.resolve(unifiedRoot, cgroup), files.text);
    }
}
