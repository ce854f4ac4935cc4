package dev.glean.agent.metrics;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.core.node.Pressure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * cgroup v2 (unified hierarchy at {@link CgroupHost#root()}): CPU time and throttling from {@code cpu.stat}
 * (usage_usec is there in every cgroup; the throttling keys only with the cpu controller enabled), memory from
 * {@code memory.current} and {@code memory.stat} (0 where the memory controller is not enabled for the
 * cgroup), limit from {@code memory.max}, pids from {@code pids.current}, PSI from {@code *.pressure}.
 * Whether a cgroup exists is decided by its cpu.stat. Thread-safe (one lock).
 *
 * <p>Tested against a temp directory laid out like a cgroup2 tree with kernel-format files only: the machine
 * this was written on is a v1 hybrid host, so this reader has not been run on a real v2 host yet.
 */
public final class CgroupV2Stats implements CgroupStats {
    private static final byte[][] USAGE_KEYS = TextBuffer.keys("usage_usec");
    private static final byte[][] THROTTLE_KEYS = TextBuffer.keys("nr_periods", "nr_throttled", "throttled_usec");

    private final CgroupHost host;
    private final Path root;
    private final CgroupFiles files;
    private final long[] three = new long[3];

    CgroupV2Stats(CgroupHost host) {
        this(host, null);
    }

    /** With {@code openFiles}, files stay open between reads (for {@link HostSampler}, which sweeps them). */
    CgroupV2Stats(CgroupHost host, OpenFiles openFiles) {
        this.files = new CgroupFiles(openFiles);
        if (host.mode() != CgroupHost.Mode.V2) {
            throw new IllegalArgumentException("not a cgroup v2 host: " + host);
        }
        this.host = host;
        this.root = host.root();
    }

    @Override
    public CgroupHost host() {
        return host;
    }

    @Override
    public boolean exists(String cgroup) {
        return Files.isDirectory(CgroupFiles.resolve(root, cgroup));
    }

    @Override
    public synchronized Optional<CgroupUsage> usage(String cgroup) {
        Path dir = CgroupFiles.resolve(root, cgroup);
        if (!files.read(dir, "cpu.stat")) {
            return Optional.empty();
        }
        long[] v = three;
        v[0] = 0;
        files.text.scanKeys(USAGE_KEYS, v);
        long cpuNanos = saturatingMicrosToNanos(CgroupFiles.nonNegative(v[0]));
        long charged = files.readLong(dir, "memory.current");
        long used = 0;
        long cache = 0;
        if (charged != TextBuffer.MISSING) {
            charged = Math.max(0, charged);
            if (files.read(dir, "memory.stat")) {
                cache = Math.min(charged, files.pageCacheV2(files.text));
            }
            used = charged - cache;
        }
        return Optional.of(new CgroupUsage(cpuNanos, used, cache));
    }

    @Override
    public synchronized Optional<CpuThrottling> throttling(String cgroup) {
        if (!files.read(CgroupFiles.resolve(root, cgroup), "cpu.stat")) {
            return Optional.empty();
        }
        long[] v = three;
        v[0] = v[1] = v[2] = 0;
        files.text.scanKeys(THROTTLE_KEYS, v);
        return Optional.of(new CpuThrottling(CgroupFiles.nonNegative(v[0]), CgroupFiles.nonNegative(v[1]),
                saturatingMicrosToNanos(CgroupFiles.nonNegative(v[2]))));
    }

    @Override
    public synchronized OptionalLong memoryLimit(String cgroup) {
        Path dir = CgroupFiles.resolve(root, cgroup);
        long v = files.readLong(dir, "memory.max");
        if (v == TextBuffer.MISSING) {
            // No memory controller for this cgroup means no limit; no directory means no cgroup.
            return Files.isDirectory(dir) ? OptionalLong.of(Long.MAX_VALUE) : OptionalLong.empty();
        }
        return OptionalLong.of(Math.max(0, v));
    }

    @Override
    public synchronized OptionalLong pidsCurrent(String cgroup) {
        long v = files.readLong(CgroupFiles.resolve(root, cgroup), "pids.current");
        return v == TextBuffer.MISSING ? OptionalLong.empty() : OptionalLong.of(Math.max(0, v));
    }

    @Override
    public synchronized CgroupPressure pressure(String cgroup) {
        return readPressure(CgroupFiles.resolve(root, cgroup), files.text);
    }

    static CgroupPressure readPressure(Path dir, TextBuffer t) {
        Pressure cpu = PressureFile.read(dir.resolve("cpu.pressure"), t);
        Pressure memory = PressureFile.read(dir.resolve("memory.pressure"), t);
        Pressure io = PressureFile.read(dir.resolve("io.pressure"), t);
        return new CgroupPressure(cpu, memory, io);
    }

    private static long saturatingMicrosToNanos(long micros) {
        return micros > Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : micros * 1000;
    }
}
