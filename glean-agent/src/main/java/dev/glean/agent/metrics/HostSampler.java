package dev.glean.agent.metrics;

import dev.glean.agent.cgroup.CgroupHost;
import dev.glean.core.node.ContainerUsage;
import dev.glean.core.node.NodeSample;
import dev.glean.core.node.Pressure;
import dev.glean.core.resources.Bytes;
import dev.glean.core.resources.Millicores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Optional;

/**
 * Takes one {@link NodeSample}: /proc/stat, /proc/meminfo, /proc/pressure/{cpu,memory,io}, glean's parent
 * cgroup and each named container's cgroup, every file read once per call.
 *
 * <p>Rates (host CPU, secondary CPU, each container's CPU, in millicores) are the difference of the cumulative
 * counters to the previous call divided by the time between the two calls on the injected clock; the first call,
 * a container seen for the first time, a parent that just appeared, a counter that went backwards (a cgroup
 * recreated under the same name) and a clock that did not move all give rate 0. Rates are capped at the number
 * of CPUs. Host busy time comes from /proc/stat in jiffies (10 ms), so at short intervals the host rate is
 * quantised (one jiffy over 100 ms = 100m).
 *
 * <p>A container whose cgroup does not exist (just removed, or not made yet) is left out of
 * {@link NodeSample#containers()}; a missing parent gives zeros. Thread-safe: calls are serialised, and each
 * call's rates are over the time since the previous call by anyone.
 *
 * <p>Cost: per call 5 host files + 3 for the parent + 3 per container. On the kernel's own filesystems (proc,
 * cgroup, cgroup2, sysfs) the files stay open between calls and are re-read with one pread each (see {@link
 * OpenFiles}); a container's files are closed at the end of the first call that does not name it, and
 * {@link #close()} closes them all. Under other roots (test directories) each file is opened and closed per read:
 * a kept descriptor of a deleted regular file would go on reading the old content, where a removed cgroup's
 * file fails with ENODEV.
 */
public final class HostSampler implements AutoCloseable {
    private static final long NANOS_PER_JIFFY = 1_000_000_000L / ProcStat.USER_HZ;

    private final Path procRoot;
    private final Path statFile;
    private final Path meminfoFile;
    private final Path cpuPressureFile;
    private final Path memoryPressureFile;
    private final Path ioPressureFile;
    /** The reader the sampler uses: keeps its files open in {@link #openFiles}. */
    private final CgroupStats sampling;
    /** The reader handed out by {@link #cgroupStats()}: opens and closes each file, shares nothing with sampling. */
    private final CgroupStats cgroups;
    private final OpenFiles openFiles = new OpenFiles();
    private final boolean keepProcOpen;
    private final Clock clock;
    private final TextBuffer text = new TextBuffer(8192);
    private final long[] mem = new long[MemInfo.VALUES];

    private Instant prevAt;
    private long prevBusyJiffies;
    /** -1 while the parent cgroup did not exist at the previous call. */
    private long prevParentCpuNanos = -1;
    private Map<String, Long> prevContainerCpu = new HashMap<>();

    private HostSampler(Path procRoot, CgroupHost host, Clock clock, boolean keepProcOpen, boolean keepCgroupsOpen) {
        this.procRoot = procRoot;
        this.statFile = procRoot.resolve("stat");
        this.meminfoFile = procRoot.resolve("meminfo");
        Path pressure = procRoot.resolve("pressure");
        this.cpuPressureFile = pressure.resolve("cpu");
        this.memoryPressureFile = pressure.resolve("memory");
        this.ioPressureFile = pressure.resolve("io");
        this.cgroups = CgroupStats.of(host);
        OpenFiles cgroupFiles = keepCgroupsOpen ? openFiles : null;
        this.sampling = host.mode() == CgroupHost.Mode.V2 ? new CgroupV2Stats(host, cgroupFiles)
                : new CgroupV1Stats(host, cgroupFiles);
        this.keepProcOpen = keepProcOpen;
        this.clock = clock;
    }

    /**
     * @param procRoot normally {@code Path.of("/proc")}
     * @param cgroups where the cgroup hierarchies and glean's parent are ({@link CgroupHost#detect()})
     * @param clock the time of each sample and the denominator of the rates
     */
    public static HostSampler create(Path procRoot, CgroupHost cgroups, Clock clock) {
        Objects.requireNonNull(procRoot, "procRoot");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(cgroups, "cgroups");
        Path cgroupProbe = cgroups.mode() == CgroupHost.Mode.V2 ? cgroups.root() : cgroups.v1Root("cpuacct");
        return new HostSampler(procRoot, cgroups, clock, isKernelFileSystem(procRoot), isKernelFileSystem(cgroupProbe));
    }

    /** For tests: choose whether files stay open between calls (only safe where files are rewritten in place). */
    static HostSampler create(Path procRoot, CgroupHost cgroups, Clock clock, boolean keepFilesOpen) {
        return new HostSampler(procRoot, cgroups, clock, keepFilesOpen, keepFilesOpen);
    }

    private static boolean isKernelFileSystem(Path dir) {
        try {
            String type = Files.getFileStore(dir).type();
            return type.equals("proc") || type.equals("cgroup") || type.equals("cgroup2") || type.equals("sysfs");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A cgroup reader for the same host (throttling, limits, pids, per-cgroup PSI); usable from any thread. */
    public CgroupStats cgroupStats() {
        return cgroups;
    }

    public Path procRoot() {
        return procRoot;
    }

    /**
     * Reads everything once and returns the sample.
     *
     * @param containerIds the containers to report (their cgroups are {@code <parent>/<id>}); ids of containers
     *     whose cgroup is gone are skipped
     * @throws UncheckedIOException if /proc/stat or /proc/meminfo cannot be read
     * @throws IllegalArgumentException if an id cannot be a cgroup name ("..", holds '/')
     */
    public synchronized NodeSample sample(Collection<String> containerIds) {
        Collection<String> ids = containerIds == null ? List.of() : containerIds;
        Instant now = clock.instant();
        long elapsedNanos = prevAt == null ? 0 : saturatingNanos(prevAt, now);

        // Read the leaves first, then the parent, then the host: every counter is cumulative and only grows, so
        // this order keeps "parent >= each container" and "host >= parent" true within one sample (up to the
        // host's jiffy rounding).
        int n = ids.size();
        String[] names = new String[n];
        CgroupUsage[] usages = new CgroupUsage[n];
        int found = 0;
        for (String id : ids) {
            Optional<CgroupUsage> u = sampling.usage(sampling.containerCgroup(id));
            if (u.isPresent()) {
                names[found] = id;
                usages[found++] = u.get();
            }
        }
        Optional<CgroupUsage> parent = sampling.usage(sampling.parentCgroup());
        ProcStat stat;
        try {
            requireFile(readProc(statFile), statFile);
            stat = ProcStat.parse(text);
            requireFile(readProc(meminfoFile), meminfoFile);
            MemInfo.parse(text, mem);
        } catch (IOException e) {
            openFiles.sweep();
            throw new UncheckedIOException(e);
        }
        Pressure cpuPressure = pressure(cpuPressureFile);
        Pressure memoryPressure = pressure(memoryPressureFile);
        Pressure ioPressure = pressure(ioPressureFile);
        openFiles.sweep();

        int cpus = stat.cpus() > 0 ? stat.cpus() : Runtime.getRuntime().availableProcessors();
        long maxMillicores = cpus * 1000L;
        boolean haveBefore = prevAt != null;

        long busy = stat.busyJiffies();
        long hostCpu = haveBefore ? rate((busy - prevBusyJiffies) * NANOS_PER_JIFFY, elapsedNanos, maxMillicores) : 0;

        long parentCpu = parent.map(CgroupUsage::cpuNanos).orElse(-1L);
        long secondaryCpu = haveBefore && parentCpu >= 0 && prevParentCpuNanos >= 0
                ? rate(parentCpu - prevParentCpuNanos, elapsedNanos, maxMillicores) : 0;

        Map<String, ContainerUsage> containers = new HashMap<>(Math.max(4, found * 2));
        Map<String, Long> containerCpu = new HashMap<>(Math.max(4, found * 2));
        for (int i = 0; i < found; i++) {
            CgroupUsage usage = usages[i];
            Long before = prevContainerCpu.get(names[i]);
            long cpu = haveBefore && before != null ? rate(usage.cpuNanos() - before, elapsedNanos, maxMillicores) : 0;
            containers.put(names[i], new ContainerUsage(new Millicores(cpu), usage.memory(), usage.pageCache(),
                    usage.cpuSeconds()));
            containerCpu.put(names[i], usage.cpuNanos());
        }

        prevAt = now;
        prevBusyJiffies = busy;
        prevParentCpuNanos = parentCpu;
        prevContainerCpu = containerCpu;

        return new NodeSample(
                now,
                cpus,
                new Bytes(MemInfo.total(mem)),
                new Bytes(MemInfo.available(mem)),
                new Millicores(hostCpu),
                new Millicores(secondaryCpu),
                parent.map(CgroupUsage::memory).orElse(Bytes.ZERO),
                parent.map(CgroupUsage::pageCache).orElse(Bytes.ZERO),
                stat.busySeconds(),
                stat.idleSeconds(),
                parent.map(CgroupUsage::cpuSeconds).orElse(0.0),
                cpuPressure,
                memoryPressure,
                ioPressure,
                containers);
    }

    /** Closes the files kept open between calls. A later {@link #sample} opens them again. */
    @Override
    public synchronized void close() {
        openFiles.close();
    }

    /**
     * A container's memory limit (Long.MAX_VALUE: none), through this sampler's kept-open files: the guard reads it
     * for every secondary at every tick, and an open and close per file cost it more than the read (measured: a
     * fifth of its sampling time went to opening and closing limits, pids and loadavg). Call between samples from
     * the sampling thread; a file not read again before the next sample's end is closed then.
     */
    public synchronized OptionalLong memoryLimit(String containerId) {
        return sampling.memoryLimit(sampling.containerCgroup(containerId));
    }

    /** A container's tasks now, like {@link #memoryLimit}. */
    public synchronized OptionalLong pidsCurrent(String containerId) {
        return sampling.pidsCurrent(sampling.containerCgroup(containerId));
    }

    /** /proc/loadavg through the kept-open files, like {@link #memoryLimit}. */
    public synchronized LoadAvg loadAvg() throws IOException {
        Path file = procRoot.resolve("loadavg");
        if (!readProc(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString());
        }
        return LoadAvg.parse(text);
    }

    /** Number of files kept open now (for tests and the agent's own metrics). */
    synchronized int openFileCount() {
        return openFiles.size();
    }

    private boolean readProc(Path file) throws IOException {
        return keepProcOpen ? openFiles.read(file, text) : text.read(file);
    }

    private Pressure pressure(Path file) {
        try {
            return readProc(file) ? PressureFile.parse(text) : Pressure.NONE;
        } catch (IOException e) {
            return Pressure.NONE; // PSI disabled (EOPNOTSUPP) or unreadable: an optional signal
        }
    }

    /** Millicores used by {@code deltaNanos} of CPU time over {@code elapsedNanos}, in [0, max]. */
    static long rate(long deltaNanos, long elapsedNanos, long maxMillicores) {
        if (deltaNanos <= 0 || elapsedNanos <= 0) {
            return 0;
        }
        return Math.min(maxMillicores, Math.round(deltaNanos * 1000.0 / elapsedNanos));
    }

    private static long saturatingNanos(Instant from, Instant to) {
        try {
            return Duration.between(from, to).toNanos();
        } catch (ArithmeticException e) {
            return from.isBefore(to) ? Long.MAX_VALUE : 0;
        }
    }

    private static void requireFile(boolean found, Path file) throws NoSuchFileException {
        if (!found) {
            throw new NoSuchFileException(file.toString());
        }
    }
}
